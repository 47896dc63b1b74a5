import Testing
import HTTP

@Suite("HTTPHeaders")
struct HTTPHeadersTests {
    @Test func headers_lookUpNamesCaseInsensitively() {
        let headers: HTTPHeaders = ["Content-Type": "text/plain", "X-Twilio-Signature": "abc="]
        #expect(headers["content-type"] == "text/plain")
        #expect(headers["x-twilio-signature"] == "abc=")
        #expect(headers["Missing"] == nil)
    }

    @Test func headers_returnFirstValueAndAllValuesInOrder() {
        var headers = HTTPHeaders()
        headers.add("Set-Cookie", "a=1")
        headers.add("set-cookie", "b=2")
        #expect(headers["SET-COOKIE"] == "a=1")
        #expect(headers.values("Set-Cookie") == ["a=1", "b=2"])
        #expect(headers.count == 2)
    }

    @Test func headers_findCommaSeparatedTokens() {
        let headers = HTTPHeaders([("Connection", "keep-alive, Upgrade"), ("Upgrade", "WebSocket")])
        #expect(headers.contains("connection", token: "upgrade"))
        #expect(headers.contains("Connection", token: "KEEP-ALIVE"))
        #expect(!headers.contains("Connection", token: "close"))
        #expect(headers.contains("Upgrade", token: "websocket"))
        #expect(!headers.contains("Upgrade", token: "websock"))
    }

    @Test func headers_findTokensAcrossRepeatedFields() {
        let headers = HTTPHeaders([("Connection", "keep-alive"), ("Connection", " upgrade ")])
        #expect(headers.contains("Connection", token: "Upgrade"))
    }

    @Test func headers_removeAndReplace() {
        var headers = HTTPHeaders([("A", "1"), ("a", "2"), ("B", "3")])
        headers.replaceOrAdd("A", "9")
        #expect(headers.values("a") == ["9"])
        headers.remove("b")
        #expect(!headers.contains("B"))
        #expect(Array(headers).map(\.name) == ["A"])
    }

    @Test func headers_compareNamesCaseInsensitivelyAndValuesExactly() {
        #expect(HTTPHeaders([("Host", "x")]) == HTTPHeaders([("host", "x")]))
        #expect(HTTPHeaders([("Host", "x")]) != HTTPHeaders([("Host", "X")]))
    }
}
