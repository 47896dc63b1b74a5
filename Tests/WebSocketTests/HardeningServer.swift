import HTTP
import Net
@testable import WebSocket

/// A WebSocket server on the real stack (HTTPServer + WSServerUpgrade + WSConnection) with the
/// options a test picks; keeps the server-side sockets it accepted.
final class HardeningServer {
    private(set) var server: HTTPServer!
    let recorder = WSRecorder()
    /// The server-side sockets accepted so far.
    private(set) var accepted: [WSConnection] = []

    init(loop: EventLoop, options: WSConnection.Options = .init(), configure: @escaping (WSConnection) -> Void = { _ in }) throws {
        server = try HTTPServer(host: "127.0.0.1", port: 0, loop: loop) { [unowned self] request, _ in
            WSServerUpgrade.reply(to: request, options: options) { socket in
                socket.delegate = self.recorder
                configure(socket)
                self.accepted.append(socket)
            }
        }
    }
}
