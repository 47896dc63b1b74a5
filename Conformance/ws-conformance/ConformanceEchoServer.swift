import HTTP
import Net
import WebSocket

/// An echo server on the production stack: `HTTPServer` accepts, `WSServerUpgrade` upgrades any
/// path, and each `WSConnection` sends every message back with the same opcode.
final class ConformanceEchoServer: WSConnectionDelegate {
    private var server: HTTPServer?

    /// The bound port.
    var port: Int { server?.port ?? 0 }

    init(host: String, port: Int, loop: EventLoop) throws {
        server = try HTTPServer(host: host, port: port, loop: loop) { [unowned self] request, _ in
            WSServerUpgrade.reply(to: request, options: ConformanceLimits.webSocket) { socket in
                socket.connection.maxBufferedOutput = ConformanceLimits.maxBufferedOutput
                socket.delegate = self
            }
        }
    }

    func webSocketDidOpen(_ socket: WSConnection) {}

    func webSocket(_ socket: WSConnection, didReceiveText text: UnsafeRawBufferPointer) {
        socket.sendText(utf8: text)
    }

    func webSocket(_ socket: WSConnection, didReceiveBinary data: UnsafeRawBufferPointer) {
        socket.sendBinary(Array(data))
    }

    func webSocket(_ socket: WSConnection, didCloseWith reason: WSCloseReason) {}
}
