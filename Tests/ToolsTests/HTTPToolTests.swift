import Foundation
import NetTestSupport
import HTTPClient
import HTTP
import JSON
import Net
import Testing
@testable import Tools

/// HTTP tools run through the registry on a real loop, against loopback servers.
@Suite struct HTTPToolTests {
    static func definition(port: Int, method: String = "GET", timeoutMs: Int = 2_000, keep: String = "[]") throws -> HTTPToolDefinition {
        let url = method == "GET" ? "http://127.0.0.1:\(port)/appointments/{phone}?day={day}" : "http://127.0.0.1:\(port)/appointments"
        let text = """
            {"name": "lookup_appointment", "description": "Find the caller's appointment.",
             "parameters": {"type": "object", "properties": {"phone": {"type": "string", "minLength": 7}, "day": {"type": "string"}},
                            "required": ["phone"], "additionalProperties": false},
             "request": {"method": "\(method)", "url": "\(url)", "headers": {"Authorization": "Bearer ${CLINIC_KEY}"}},
             "timeout_ms": \(timeoutMs), "response": {"max_bytes": 300, "keep": \(keep)}}
            """
        return try HTTPToolDefinition(path: "lookup.json", text: text, environment: { $0 == "CLINIC_KEY" ? "clinic-Secret-77" : nil })
    }

    /// One call of the tool against a scripted server: the result and the server.
    func call(_ responses: [HTTPResponse], arguments: String = #"{"phone": "+46 70/123", "day": "mån"}"#,
              method: String = "GET", keep: String = "[]") throws -> (ToolResult?, ScriptedHTTPServer) {
        let loop = try EventLoop()
        let server = try ScriptedHTTPServer(loop: loop, responses: responses)
        let registry = ToolRegistry([HTTPTool.make(try Self.definition(port: server.port, method: method, keep: keep), client: HTTPClient(loop: loop))])
        var result: ToolResult?
        registry.run(ToolCall(name: "lookup_appointment", callId: "call_1", arguments: arguments)) { result = $0 }
        loop.run { result != nil }
        return (result, server)
    }

    @Test func get_sendsTheEncodedPathAndTheSecretHeader_andTheModelGetsTheKeptFields() throws {
        let body = #"{"appointment": {"time": "09:30", "doctor": "Dr Lind", "internal": 1}, "patient": {"ssn": "1912"}}"#
        let (result, server) = try call([.json(200, body)], keep: #"["/appointment/time", "/appointment/doctor"]"#)
        let request = try #require(server.requests.first)
        #expect(request.head.method == "GET")
        #expect(request.head.target == "/appointments/%2B46%2070%2F123?day=m%C3%A5n")
        #expect(request.head.headers["Authorization"] == "Bearer clinic-Secret-77")
        #expect(request.head.headers["Accept"] == "application/json")
        #expect(request.body.isEmpty)
        #expect(result == ToolResult(output: #"{"appointment":{"time":"09:30","doctor":"Dr Lind"}}"#))
    }

    @Test func post_sendsTheValidatedArgumentsAsJSON() throws {
        let (result, server) = try call([.json(201, #"{"booked": true}"#)], method: "POST")
        let request = try #require(server.requests.first)
        #expect(request.head.method == "POST")
        #expect(request.head.headers["Content-Type"] == "application/json")
        #expect(try JSON.parse(request.body) == ["phone": "+46 70/123", "day": "mån"])
        #expect(result?.output == #"{"booked":true}"#)
    }

    @Test func badArguments_areRefusedWithoutARequest_namingFieldAndRule() throws {
        let (result, server) = try call([.json(200, "{}")], arguments: #"{"phone": "123", "email": "x"}"#)
        #expect(server.requests.isEmpty)
        #expect(result?.outcome == "bad_arguments")
        #expect(result?.output == "lookup_appointment was not called: 'phone' must be at least 7 characters long (got 3); "
            + "'email' is not an allowed field (allowed: phone, day). Nothing was sent. "
            + "Fix the arguments (ask the caller if you need to) and call lookup_appointment again.")
        let (notObject, _) = try call([.json(200, "{}")], arguments: "[1]")
        #expect(notObject?.outcome == "bad_arguments")
    }

    @Test(arguments: [(500, "http_error"), (404, "http_error"), (503, "http_error")])
    func errorStatus_tellsTheModelTheToolIsUnavailable(status: Int, outcome: String) throws {
        let (result, server) = try call([.json(status, #"{"error": "down"}"#)])
        #expect(server.requests.count == 1, "no retry while a caller waits")
        #expect(result?.outcome == outcome)
        #expect(result?.output == HTTPTool.unavailable("lookup_appointment", reason: "the service answered HTTP \(status)"))
        #expect(result?.output.contains("unavailable right now") == true)
    }

    @Test func nonJSONBody_isABadResponse_andEmptyBodyIsDone() throws {
        let (html, _) = try call([.text(200, "<html>hi</html>", contentType: "text/html")])
        #expect(html?.outcome == "bad_response")
        #expect(html?.output.contains("unavailable right now") == true)
        let (empty, _) = try call([.text(204, "", contentType: "text/plain")])
        #expect(empty?.outcome == "ok")
        #expect(empty?.output == "Done: the service answered HTTP 204 with no content.")
    }

    @Test func interpret_namesCauseAndStatus_forTheLogLine_neverAHeader() throws {
        let tool = try Self.definition(port: 9)
        let shaper = HTTPToolResponseShaper(keep: [], maxBytes: 300)
        let (_, failure) = HTTPTool.interpret(.success(HTTPClientResponse(status: 502, body: Array("bad gateway".utf8))), definition: tool, shaper: shaper)
        #expect(failure?.status == 502)
        #expect(failure?.cause == "http_error")
        #expect(failure?.error == "GET 127.0.0.1:9 answered HTTP 502: bad gateway")
        let (refused, connect) = HTTPTool.interpret(.failure(HTTPClientError(.connectFailed, "Connection refused")), definition: tool, shaper: shaper)
        #expect(refused.outcome == "unavailable")
        #expect(connect?.error.contains("clinic-Secret-77") == false)
    }

    @Test func timeout_tellsTheModel_withItsOutcome() throws {
        let loop = try EventLoop()
        let silent = try SilentServer(loop: loop)
        let tool = HTTPTool.make(try Self.definition(port: silent.port, timeoutMs: 200), client: HTTPClient(loop: loop))
        var result: ToolResult?
        ToolRegistry([tool]).run(ToolCall(name: "lookup_appointment", callId: "c", arguments: #"{"phone": "1234567"}"#)) { result = $0 }
        loop.run(atMostMs: 3_000) { result != nil }
        #expect(result?.outcome == "timed_out")
        #expect(result?.output == HTTPTool.unavailable("lookup_appointment", reason: "no answer within 200 ms"))
        silent.close()
    }

    @Test func cancellingTheTool_stopsTheTransfer_andNothingIsAnswered() throws {
        let loop = try EventLoop()
        let silent = try SilentServer(loop: loop)
        let http = HTTPClient(loop: loop)
        var answered = false
        let task = ToolRegistry([HTTPTool.make(try Self.definition(port: silent.port), client: http)])
            .run(ToolCall(name: "lookup_appointment", callId: "c", arguments: #"{"phone": "1234567"}"#)) { _ in answered = true }
        loop.run { silent.accepted == 1 }
        task.cancel()
        loop.run(atMostMs: 1_000) { silent.closedByClient == 1 }
        #expect(!answered)
        #expect(http.activeRequests == 0)
        #expect(silent.closedByClient == 1)
        silent.close()
    }
}
