import HTTP
import Net
import WebSocket

/// Answers the WebSocket upgrade correctly, then never sends another byte (no pongs): a provider
/// whose host vanished without a FIN looks like this from our side.
final class SilentWSServer: ConnectionDelegate {
    let listener: TCPListener
    var connections: [Connection] = []
    var pingsReceived = 0
    private var parser = HTTPRequestParser()
    private var frames = WSFrameParser(role: .server)
    private var upgraded = false

    init(loop: EventLoop) throws {
        var accepted: [Connection] = []
        weak var weakSelf: SilentWSServer?
        listener = try TCPListener(host: "127.0.0.1", port: 0, loop: loop) { fd, peer in
            let connection = Connection(accepted: fd, peer: peer, loop: loop, tls: nil)
            connection.delegate = weakSelf
            accepted.append(connection)
            connection.start()
        }
        weakSelf = self
        _ = accepted
    }

    func connectionDidOpen(_ connection: Connection) { connections.append(connection) }

    func connection(_ connection: Connection, didRead bytes: UnsafeRawBufferPointer) {
        if upgraded {
            frames.append(bytes)
            while let frame = try? frames.next() { if frame.opcode == .ping { pingsReceived += 1 } }
            return
        }
        parser.append(bytes)
        if let request = try? parser.next(), let key = try? WSHandshake.validateClientRequest(request.head) {
            connection.write(WSHandshake.serverResponse(key: key).serialized(keepAlive: true))
            upgraded = true
        }
    }

    func connection(_ connection: Connection, didCloseWith error: NetError?) {}
}
