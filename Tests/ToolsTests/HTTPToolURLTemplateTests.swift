import HTTPClient
import JSON
import Testing
@testable import Tools

@Suite struct HTTPToolURLTemplateTests {
    @Test func placeholders_inPathAndQuery_arePercentEncoded() throws {
        let template = try HTTPToolURLTemplate("https://api.example.com/v1/customers/{phone}/bookings?day={day}&q={q}")
        #expect(template.placeholders == ["phone", "day", "q"])
        let url = template.expand(["phone": "+46 70/123", "day": "2026-12-06", "q": "café & tea?#"])
        #expect(url == "https://api.example.com/v1/customers/%2B46%2070%2F123/bookings?day=2026-12-06&q=caf%C3%A9%20%26%20tea%3F%23")
    }

    @Test func unreservedCharacters_stayAsTheyAre() {
        #expect(HTTPToolURLTemplate.percentEncoded("AZaz09-._~") == "AZaz09-._~")
        #expect(HTTPToolURLTemplate.percentEncoded("a/b?c=d%") == "a%2Fb%3Fc%3Dd%25")
    }

    @Test func missingArgument_isEmpty() throws {
        #expect(try HTTPToolURLTemplate("https://h.example/x?d={day}").expand([:]) == "https://h.example/x?d=")
    }

    @Test func request_fillsTheURLHeadersAndBody() throws {
        let text = """
            {"name": "book", "description": "Book a table.",
             "parameters": {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}, "vip": {"type": "boolean"}}},
             "request": {"method": "POST", "url": "http://127.0.0.1:9/tables/{id}?who={name}",
                         "headers": {"X-Key": "${K}"},
                         "body": {"table": "{id}", "guest": "Mr {name}", "vip": "{vip}", "fixed": [1, "{id}"]}}}
            """
        let tool = try HTTPToolDefinition(path: "t.json", text: text, environment: { $0 == "K" ? "key-123456" : nil })
        let request = tool.request(for: ["id": 7, "name": "Ó Brien"])
        #expect(request.method == "POST")
        #expect(request.url == "http://127.0.0.1:9/tables/7?who=%C3%93%20Brien")
        #expect(request.headers.map(\.0) == ["Accept", "Content-Type", "X-Key"])
        #expect(request.headers.last?.1 == "key-123456")
        // A lone placeholder keeps the argument's type; a missing one drops the member.
        #expect(try JSON.parse(request.body) == ["table": 7, "guest": "Mr Ó Brien", "fixed": [1, 7]])
        #expect(request.timeoutMs == 5_000)
    }

    @Test func getRequest_hasNoBody_andArgumentsBody_isTheArguments() throws {
        let base = #"{"name": "t", "description": "d", "parameters": {"type": "object", "properties": {"a": {"type": "string"}}}, "request": "#
        let get = try HTTPToolDefinition(path: "g.json", text: base + #"{"method": "GET", "url": "https://h.example/{a}"}}"#, environment: { _ in nil })
        #expect(get.request(for: ["a": "x"]).body.isEmpty)
        #expect(get.request(for: ["a": "x"]).headers.map(\.0) == ["Accept"])
        let patch = try HTTPToolDefinition(path: "p.json", text: base + #"{"method": "PATCH", "url": "https://h.example/"}}"#, environment: { _ in nil })
        #expect(try JSON.parse(patch.request(for: ["a": "x"]).body) == ["a": "x"])
    }
}
