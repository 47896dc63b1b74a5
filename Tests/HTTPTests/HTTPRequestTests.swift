import Testing
import HTTP

@Suite("HTTPRequest")
struct HTTPRequestTests {
    private func request(_ version: HTTPVersion, connection: String?) -> HTTPRequest {
        var headers: HTTPHeaders = ["Host": "h"]
        if let connection { headers.add("Connection", connection) }
        return HTTPRequest(head: HTTPRequestHead(method: "GET", target: "/", version: version, headers: headers))
    }

    @Test func request_http11KeepsAliveByDefault() {
        #expect(request(.http1_1, connection: nil).keepAlive)
        #expect(request(.http1_1, connection: "Upgrade").keepAlive)
    }

    @Test func request_http11ClosesOnConnectionClose() {
        #expect(!request(.http1_1, connection: "close").keepAlive)
        #expect(!request(.http1_1, connection: "foo, Close").keepAlive)
    }

    @Test func request_http10ClosesUnlessKeepAlive() {
        #expect(!request(.http1_0, connection: nil).keepAlive)
        #expect(request(.http1_0, connection: "Keep-Alive").keepAlive)
    }

    @Test func head_splitsPathAndQueryWithoutDecoding() {
        let head = HTTPRequestHead(method: "GET", target: "/a%20b?x=%41&y")
        #expect(head.path == "/a%20b")
        #expect(head.query == "x=%41&y")
        #expect(HTTPRequestHead(method: "GET", target: "/p?").query == "")
        #expect(HTTPRequestHead(method: "GET", target: "/p").query == nil)
    }

    @Test func head_takesPathFromAbsoluteForm() {
        let head = HTTPRequestHead(method: "GET", target: "https://example.com:443/media/stream?a=1")
        #expect(head.path == "/media/stream")
        #expect(head.query == "a=1")
        #expect(HTTPRequestHead(method: "OPTIONS", target: "*").path == "*")
    }
}
