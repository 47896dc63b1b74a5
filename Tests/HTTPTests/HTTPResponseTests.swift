import Testing
import HTTP

@Suite("HTTPResponse")
struct HTTPResponseTests {
    private func text(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    @Test func response_serializesKeepAliveExactly() {
        let response = HTTPResponse.text(200, "hello")
        #expect(text(response.serialized(keepAlive: true))
            == "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 5\r\n\r\nhello")
    }

    @Test func response_serializesCloseExactly() {
        let response = HTTPResponse(status: 404, headers: ["Connection": "keep-alive", "Content-Length": "99"], body: Array("nope".utf8))
        #expect(text(response.serialized(keepAlive: false))
            == "HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\nConnection: close\r\n\r\nnope")
    }

    @Test func response_omitsContentLengthFor101And204And304() {
        let upgrade = HTTPResponse(status: 101, headers: ["Upgrade": "websocket", "Connection": "Upgrade"])
        #expect(text(upgrade.serialized(keepAlive: false))
            == "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
        #expect(text(HTTPResponse(status: 204).serialized(keepAlive: true)) == "HTTP/1.1 204 No Content\r\n\r\n")
        #expect(text(HTTPResponse(status: 304, body: [1]).serialized(keepAlive: true)) == "HTTP/1.1 304 Not Modified\r\n\r\n")
    }

    @Test func response_usesStandardReasonPhrases() {
        #expect(HTTPResponse(status: 413).reason == "Content Too Large")
        #expect(HTTPResponse(status: 426).reason == "Upgrade Required")
        #expect(HTTPResponse(status: 599).reason == "Server Error")
        #expect(HTTPStatus.reasonPhrase(505) == "HTTP Version Not Supported")
    }

    @Test func response_roundTripsThroughResponseParser() throws {
        let response = HTTPResponse.text(503, "busy", contentType: "text/html")
        var parser = HTTPResponseParser()
        parser.append(response.serialized(keepAlive: false))
        let head = try #require(try parser.nextHead())
        #expect(head.status == 503)
        #expect(head.reason == "Service Unavailable")
        #expect(head.headers["Content-Type"] == "text/html")
        #expect(try parser.nextBody() == Array("busy".utf8))
    }
}
