import Net
import NetTestSupport
import Testing
@testable import HTTP

/// RFC 9110 §9.3.2: the answer to `HEAD` is the answer to `GET` without its content. The
/// `Content-Length` stays what `GET` would send; body bytes would be read by the client as the
/// start of the next response on the connection.
extension HTTPServerTests {
    static let page = "the page at /x\n"

    /// A server that answers GET and HEAD alike, as the daemon's operations endpoints do.
    static func makeGetOrHeadServer(_ loop: EventLoop) throws -> HTTPServer {
        var options = HTTPServer.Options()
        options.lingerMs = 300
        return try HTTPServer(host: "127.0.0.1", port: 0, loop: loop, options: options) { request, _ in
            guard request.head.method == "GET" || request.head.method == "HEAD" else {
                return .response(.text(405, "method not allowed\n"))
            }
            return .response(.text(200, page))
        }
    }

    @Test func server_answersHeadWithoutABody_andThePipelinedGetFollowsAtOnce() throws {
        let loop = try EventLoop()
        let server = try Self.makeGetOrHeadServer(loop)
        let start = loop.registeredCount
        let peer = ScriptedPeer(port: server.port, loop: loop, script: [
            .init("HEAD /x HTTP/1.1\r\nHost: h\r\n\r\nGET /x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"),
        ])
        Self.finish(loop, server, peer, registeredAtStart: start)
        let head = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: \(Self.page.utf8.count)\r\n\r\n"
        let get = "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: \(Self.page.utf8.count)\r\n"
            + "Connection: close\r\n\r\n" + Self.page
        #expect(peer.text == head + get)
        #expect(peer.closeError == nil)
    }
}

extension HTTPResponseTests {
    @Test func response_toHead_keepsContentLengthButSendsNoBody() {
        let response = HTTPResponse.text(200, "hello")
        let head = String(decoding: response.serialized(keepAlive: true, requestMethod: "HEAD"), as: UTF8.self)
        #expect(head == "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 5\r\n\r\n")
        let get = String(decoding: response.serialized(keepAlive: true, requestMethod: "GET"), as: UTF8.self)
        #expect(get == head + "hello")
        // Methods are case-sensitive (RFC 9110 §9.1): `head` is some other method.
        #expect(response.serialized(keepAlive: true, requestMethod: "head") == response.serialized(keepAlive: true))
    }
}
