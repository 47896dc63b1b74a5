import JSON
import Testing
@testable import Tools

@Suite struct HTTPToolDefinitionTests {
    static let environment: [String: String] = ["CLINIC_API_KEY": "clinic-Secret-42", "TENANT": "north"]

    /// A valid file, with `edit` applied to its request object (or the whole root).
    static func file(method: String = "GET", url: String = "https://api.clinic.example/v1/appointments/{phone}?day={day}",
                     headers: String = #"{"Authorization": "Bearer ${CLINIC_API_KEY}", "X-Tenant": "${TENANT}"}"#,
                     body: String? = nil, extra: String = "") -> String {
        """
        {
          "name": "lookup_appointment",
          "description": "Find the caller's next appointment.",
          "parameters": {"type": "object",
                         "properties": {"phone": {"type": "string"}, "day": {"type": "string"}, "party": {"type": "integer"}},
                         "required": ["phone"], "additionalProperties": false},
          "request": {"method": "\(method)", "url": "\(url)", "headers": \(headers)\(body.map { ", \"body\": \($0)" } ?? "")}\(extra)
        }
        """
    }

    func parse(_ text: String, environment: [String: String] = Self.environment) throws(JSONFileError) -> HTTPToolDefinition {
        try HTTPToolDefinition(path: "config/tools/lookup.json", text: text, environment: { environment[$0] })
    }

    func error(_ text: String, environment: [String: String] = Self.environment) -> JSONFileError? {
        do {
            _ = try parse(text, environment: environment)
            return nil
        } catch {
            return error
        }
    }

    @Test func validFile_resolvesHeaders_andKeepsTheDefaults() throws {
        let tool = try parse(Self.file())
        #expect(tool.name == "lookup_appointment")
        #expect(tool.method == "GET")
        #expect(tool.headers.map { "\($0.0): \($0.1)" } == ["Authorization: Bearer clinic-Secret-42", "X-Tenant: north"])
        #expect(tool.secrets == ["clinic-Secret-42", "north"])
        #expect(tool.body == .absent)
        #expect(tool.timeoutMs == 5_000)
        #expect(tool.maxBytes == 2_000)
        #expect(tool.keep.isEmpty)
        #expect(tool.url.placeholders == ["phone", "day"])
        #expect(tool.summary == "lookup_appointment: GET https://api.clinic.example")
    }

    @Test func postWithoutBody_sendsTheArguments_andATemplateIsKept() throws {
        #expect(try parse(Self.file(method: "POST")).body == .arguments)
        let templated = try parse(Self.file(method: "put", body: #"{"who": "{phone}", "note": "day {day}"}"#))
        #expect(templated.method == "PUT")
        #expect(templated.body == .template(["who": "{phone}", "note": "day {day}"]))
    }

    @Test func malformedJSON_namesTheFileLineAndColumn() {
        let broken = "{\n  \"name\": \"x\",\n  \"description\" \"no colon\"\n}"
        let failure = error(broken)
        #expect(failure?.path == "config/tools/lookup.json")
        #expect(failure?.description.hasPrefix("config/tools/lookup.json: line 3, column 17:") == true, "\(String(describing: failure))")
    }

    @Test func unknownTopLevelField_isNamedWithTheKnownOnes() {
        let failure = error(Self.file(extra: #", "timeout": 100"#))
        #expect(failure?.message == "unknown field 'timeout'; known fields: name, description, parameters, request, timeout_ms, response")
    }

    @Test func unknownNestedFields_areNamedWithTheirObject() {
        let request = error(Self.file(body: nil, extra: "").replacingOccurrences(of: #""method": "GET""#, with: #""method": "GET", "verb": "GET""#))
        #expect(request?.message == "unknown field 'request.verb'; known fields of request: method, url, headers, body")
        let response = error(Self.file(extra: #", "response": {"max_bytes": 500, "pointers": []}"#))
        #expect(response?.message == "unknown field 'response.pointers'; known fields of response: max_bytes, keep")
    }

    @Test func unsetVariable_namesTheFileTheHeaderAndTheVariable() {
        let failure = error(Self.file(), environment: ["TENANT": "north"])
        #expect(failure?.path == "config/tools/lookup.json")
        #expect(failure?.message == "request.headers.Authorization uses ${CLINIC_API_KEY}, which is not set — set CLINIC_API_KEY in the environment or .env")
    }

    @Test func variableSyntaxErrors_areRefused() {
        #expect(error(Self.file(headers: #"{"A": "${OPEN"}"#))?.message.contains("'${' without its '}'") == true)
        #expect(error(Self.file(headers: #"{"A": "${BAD-NAME}"}"#))?.message.contains("is not a variable name") == true)
        #expect(error(Self.file(headers: #"{"Bad Header": "x"}"#))?.message.contains("is not a header name") == true)
        #expect(error(Self.file(headers: #"{"A": "x"}"#), environment: [:]) == nil, "a literal value needs no variable")
        #expect(error(Self.file(headers: #"{"A": "${V}"}"#), environment: ["V": "a\r\nInjected: 1"])?.message.contains("line break") == true)
    }

    @Test(arguments: [
        ("http://api.clinic.example/x", "uses http:// to a remote host"),
        ("ftp://api.clinic.example/x", "must start with https://"),
        ("https://{phone}.clinic.example/x", "may not be part of the host"),
        ("https://user:pw@api.clinic.example/x", "user name or password"),
        ("https://api.clinic.example/{nope}", "placeholder {nope} names no parameter; declared: phone, day, party"),
        ("https://api.clinic.example/{phone", "'{' without its '}'"),
    ])
    func badURL_isRefusedWithTheReason(url: String, reason: String) {
        let failure = error(Self.file(url: url))
        #expect(failure?.message.contains(reason) == true, "\(String(describing: failure))")
    }

    @Test(arguments: ["http://127.0.0.1:8080/a/{phone}", "http://localhost/a", "http://[::1]:9/a", "https://api.clinic.example"])
    func httpIsAcceptedOnlyForLoopback(url: String) throws {
        #expect(try parse(Self.file(url: url)).url.text == url)
    }

    @Test func nameRules_builtInsAndInvalidNames_areRefused() {
        let builtIn = error(Self.file().replacingOccurrences(of: "lookup_appointment", with: "web_search"))
        #expect(builtIn?.message == "name 'web_search' is a built-in tool; choose another name")
        #expect(error(Self.file().replacingOccurrences(of: "lookup_appointment", with: "look up"))?.message.contains("must be 1 to 64") == true)
    }

    @Test func bounds_timeoutMaxBytesAndPointers_areChecked() {
        #expect(error(Self.file(extra: #", "timeout_ms": 50"#))?.message == "'timeout_ms' must be a whole number from 100 to 30000 (got 50)")
        #expect(error(Self.file(extra: #", "timeout_ms": 1500.5"#)) != nil)
        #expect(error(Self.file(extra: #", "response": {"max_bytes": 10}"#))?.message.contains("response.max_bytes") == true)
        #expect(error(Self.file(extra: #", "response": {"keep": ["appointment"]}"#))?.message.contains("is not a JSON Pointer") == true)
        #expect(error(Self.file(body: #""arguments""#))?.message == "request.body: a GET request has no body; remove it")
        #expect(error(Self.file(method: "HEAD"))?.message == "request.method must be one of GET, POST, PUT, PATCH, DELETE")
    }

    @Test func requiredParameter_mustBeDeclared() {
        let failure = error(Self.file().replacingOccurrences(of: #""required": ["phone"]"#, with: #""required": ["phone", "email"]"#))
        #expect(failure?.message == #"parameters.required names "email", which is not in parameters.properties"#)
    }

    @Test func timeoutAndResponseFields_areRead() throws {
        let tool = try parse(Self.file(extra: #", "timeout_ms": 1200, "response": {"max_bytes": 300, "keep": ["/a/0", "/b~1c"]}"#))
        #expect(tool.timeoutMs == 1_200)
        #expect(tool.maxBytes == 300)
        #expect(tool.keep.map(\.tokens) == [["a", "0"], ["b/c"]])
    }
}
