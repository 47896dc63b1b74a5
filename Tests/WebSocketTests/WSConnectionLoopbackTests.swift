import HTTP
import Net
import Testing
@testable import WebSocket

/// Records a WebSocket's events.
final class WSRecorder: WSConnectionDelegate {
    var opened = false
    var texts: [String] = []
    var binaries: [[UInt8]] = []
    var closeReason: WSCloseReason?
    var onOpen: ((WSConnection) -> Void)?
    var onText: ((WSConnection, String) -> Void)?
    var onClose: (() -> Void)?

    func webSocketDidOpen(_ socket: WSConnection) {
        opened = true
        onOpen?(socket)
    }

    func webSocket(_ socket: WSConnection, didReceiveText text: UnsafeRawBufferPointer) {
        let s = String(decoding: text, as: UTF8.self)
        texts.append(s)
        onText?(socket, s)
    }

    func webSocket(_ socket: WSConnection, didReceiveBinary data: UnsafeRawBufferPointer) {
        binaries.append(Array(data))
    }

    func webSocket(_ socket: WSConnection, didCloseWith reason: WSCloseReason) {
        closeReason = reason
        onClose?()
    }
}

/// An in-process echo server: HTTPServer + upgrade at /echo, a refusal at /refuse.
final class EchoWebSocketServer {
    let server: HTTPServer
    var sockets: [WSConnection] = []
    let recorder = WSRecorder()

    init(loop: EventLoop) throws {
        var adopted: [WSConnection] = []
        let recorder = self.recorder
        recorder.onText = { socket, text in
            if text == "close-please" { socket.close(code: 1000, reason: "bye") } else { socket.sendText(text) }
        }
        server = try HTTPServer(host: "127.0.0.1", port: 0, loop: loop) { request, _ in
            switch request.head.path {
            case "/echo":
                return WSServerUpgrade.reply(to: request) { socket in
                    socket.delegate = recorder
                    adopted.append(socket)
                }
            case "/refuse":
                return .response(.text(401, #"{"error":{"message":"Incorrect API key provided"}}"#))
            default:
                return .response(.text(404, "not found"))
            }
        }
        _ = adopted
    }
}

@Suite(.serialized) struct WSConnectionLoopbackTests {
    @Test func client_and_server_exchangeMessagesAndClose() throws {
        let loop = try EventLoop()
        let server = try EchoWebSocketServer(loop: loop)
        let client = WSRecorder()
        let big = String(repeating: "é", count: 40_000)  // 80 KB: several reads, 64-bit length form
        client.onOpen = { socket in
            socket.sendText("hello")
            socket.sendText(big)
            socket.sendText("close-please")
        }
        client.onClose = { loop.stop() }
        let url = try WSURL("ws://127.0.0.1:\(server.server.port)/echo")
        let socket = WSConnection.connect(to: url, headers: [("X-Test", "1")], tls: nil, loop: loop, delegate: client)
        loop.schedule(afterMs: 5_000) { loop.stop() }
        loop.run()
        #expect(client.opened)
        #expect(client.texts == ["hello", big])
        guard case .closed(let code, let reason)? = client.closeReason else {
            Issue.record("expected a close handshake, got \(String(describing: client.closeReason))")
            return
        }
        #expect(code == 1000)
        #expect(reason == "bye")
        #expect(!socket.isOpen)
    }

    /// The state machine hears the transport's end too (`connectionLost()`): a peer that drops
    /// TCP without a close frame is reported as 1006, the code RFC 6455 §7.1.5 reserves for it.
    @Test func server_reportsAPeerThatDropsWithoutAClose_as1006() throws {
        let loop = try EventLoop()
        let server = try EchoWebSocketServer(loop: loop)
        let client = WSRecorder()
        client.onOpen = { socket in socket.sendText("hello") }
        let url = try WSURL("ws://127.0.0.1:\(server.server.port)/echo")
        let socket = WSConnection.connect(to: url, headers: [], tls: nil, loop: loop, delegate: client)
        #expect(loop.run(until: { client.texts == ["hello"] }, timeoutMs: 3_000))
        socket.connection.abort(NetError("the test drops the connection"))  // TCP goes away; no close frame
        #expect(loop.run(until: { server.recorder.closeReason != nil }, timeoutMs: 3_000))
        guard case .closed(let code, _)? = server.recorder.closeReason else {
            Issue.record("expected 1006, got \(String(describing: server.recorder.closeReason))")
            return
        }
        #expect(code == WSCloseCode.abnormalClosure)
    }

    @Test func client_reportsARefusedHandshakeWithStatusAndBody() throws {
        let loop = try EventLoop()
        let server = try EchoWebSocketServer(loop: loop)
        let client = WSRecorder()
        client.onClose = { loop.stop() }
        let url = try WSURL("ws://127.0.0.1:\(server.server.port)/refuse")
        _ = WSConnection.connect(to: url, headers: [], tls: nil, loop: loop, delegate: client)
        loop.schedule(afterMs: 5_000) { loop.stop() }
        loop.run()
        #expect(!client.opened)
        guard case .handshakeRefused(let status, let body)? = client.closeReason else {
            Issue.record("expected a refused handshake, got \(String(describing: client.closeReason))")
            return
        }
        #expect(status == 401)
        #expect(body.contains("Incorrect API key provided"))
    }

    @Test func server_answers426ToAWrongVersion_andHTTPStillWorks() throws {
        let loop = try EventLoop()
        let server = try EchoWebSocketServer(loop: loop)
        let raw = RawClient()
        raw.request = Array("GET /echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n".utf8)
        raw.onClose = { loop.stop() }
        raw.onRead = { connection in
            if raw.text.contains("\r\n\r\n") && raw.text.contains("Upgrade Required") { connection.close() }
        }
        _ = Connection.connect(host: "127.0.0.1", port: server.server.port, tls: nil, loop: loop, timeoutMs: 2_000, delegate: raw)
        loop.schedule(afterMs: 5_000) { loop.stop() }
        loop.run()
        #expect(raw.text.hasPrefix("HTTP/1.1 426"))
        #expect(raw.text.contains("Sec-WebSocket-Version: 13"))
    }
}

/// A raw TCP client that sends one request and collects the answer.
final class RawClient: ConnectionDelegate {
    var request: [UInt8] = []
    var received: [UInt8] = []
    var text: String { String(decoding: received, as: UTF8.self) }
    var onRead: ((Connection) -> Void)?
    var onClose: (() -> Void)?

    func connectionDidOpen(_ connection: Connection) { connection.write(request) }
    func connection(_ connection: Connection, didRead bytes: UnsafeRawBufferPointer) {
        received.append(contentsOf: bytes)
        onRead?(connection)
    }
    func connection(_ connection: Connection, didCloseWith error: NetError?) { onClose?() }
}
