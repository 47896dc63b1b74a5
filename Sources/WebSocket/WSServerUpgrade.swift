import Net
import HTTP

/// Turns an HTTP upgrade request into a server-side `WSConnection` (RFC 6455 §4.2).
public enum WSServerUpgrade {
    /// The reply for `request`: an error response if it is not a valid WebSocket upgrade, else a
    /// hand-over that writes the `101` and passes the open connection to `onOpen`, which must set
    /// the delegate. Bytes the client sent right after its request are processed, not lost.
    public static func reply(to request: HTTPRequest, options: WSConnection.Options = .init(),
                             onOpen: @escaping (WSConnection) -> Void) -> HTTPServer.Reply {
        upgrade(request) { key in
            .takeOver { connection, leftover in
                open(connection, key: key, leftover: leftover, options: options, onOpen: onOpen)
            }
        }
    }

    /// The refusal of an invalid upgrade, else `accept` with the client's key.
    private static func upgrade(_ request: HTTPRequest, accept: (String) -> HTTPServer.Reply) -> HTTPServer.Reply {
        do {
            return accept(try WSHandshake.validateClientRequest(request.head))
        } catch {
            return .response(error.response)
        }
    }

    /// Where an upgraded connection goes (`reply(to:options:handOver:)`): the loop, what runs
    /// there once it is open, and what runs here instead if the client left before the move.
    public struct HandOver {
        /// The loop the connection moves to.
        public var target: LoopHandle
        /// Runs on the loop the connection ends up on (read it from `socket.connection.loop`).
        public var onOpen: @Sendable (WSConnection) -> Void
        /// Runs on this loop when the connection closed before it could move.
        public var ifClosed: () -> Void

        /// A hand-over to `target`.
        public init(target: LoopHandle, onOpen: @escaping @Sendable (WSConnection) -> Void, ifClosed: @escaping () -> Void) {
            self.target = target
            self.onOpen = onOpen
            self.ifClosed = ifClosed
        }
    }

    /// As `reply(to:options:onOpen:)`, but the connection first moves to the loop `place` names
    /// (`Connection.handOver(to:then:)`), where the `101` is written. `place` runs only once the
    /// server has granted the upgrade (its budget of upgraded connections had room).
    public static func reply(to request: HTTPRequest, options: WSConnection.Options = .init(),
                             handOver place: @escaping () -> HandOver) -> HTTPServer.Reply {
        upgrade(request) { key in
            .takeOver { connection, leftover in
                let placed = place()
                let onOpen = placed.onOpen
                connection.handOver(to: placed.target, then: { connection in
                    open(connection, key: key, leftover: leftover, options: options, onOpen: onOpen)
                }, ifClosed: placed.ifClosed)
            }
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
