import Net
import HTTP

/// Turns an HTTP upgrade request into a server-side `WSConnection` (RFC 6455 §4.2).
public enum WSServerUpgrade {
    /// The reply for `request`: an error response if it is not a valid WebSocket upgrade, else a
    /// hand-over that writes the `101` and passes the open connection to `onOpen`, which must set
    /// the delegate. Bytes the client sent right after its request are processed, not lost.
    public static func reply(to request: HTTPRequest, options: WSConnection.Options = .init(),
                             onOpen: @escaping (WSConnection) -> Void) -> HTTPServer.Reply {
        let key: String
        do {
            key = try WSHandshake.validateClientRequest(request.head)
        } catch {
            return .response(error.response)
        }
        return .takeOver { connection, leftover in
            connection.write(WSHandshake.serverResponse(key: key).serialized(keepAlive: true))
            let socket = WSConnection(connection: connection, role: .server, phase: .open, options: options)
            connection.delegate = socket
            socket.startKeepAlive()
            onOpen(socket)
            if !leftover.isEmpty {
                leftover.withUnsafeBytes { socket.parser.append($0) }
                socket.drainFrames()
            }
        }
    }
}
