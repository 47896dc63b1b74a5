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
            open(connection, key: key, leftover: leftover, options: options, onOpen: onOpen)
        }
    }

    /// As `reply(to:options:onOpen:)`, but the connection first moves to `target`'s loop
    /// (`Connection.handOver(to:then:)`), where the `101` is written and `onOpen` runs — on the
    /// loop the connection ends up on, which it must read from `socket.connection.loop`.
    /// `ifClosed` runs on this loop, instead, when the client left before the move.
    public static func reply(to request: HTTPRequest, options: WSConnection.Options = .init(), on target: LoopHandle,
                             onOpen: @escaping @Sendable (WSConnection) -> Void, ifClosed: @escaping () -> Void) -> HTTPServer.Reply {
        let key: String
        do {
            key = try WSHandshake.validateClientRequest(request.head)
        } catch {
            return .response(error.response)
        }
        return .takeOver { connection, leftover in
            connection.handOver(to: target, then: { connection in
                open(connection, key: key, leftover: leftover, options: options, onOpen: onOpen)
            }, ifClosed: ifClosed)
        }
    }

    private static func open(_ connection: Connection, key: String, leftover: [UInt8], options: WSConnection.Options,
                             onOpen: (WSConnection) -> Void) {
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
