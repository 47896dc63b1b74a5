import HTTP
import Net

/// One console watcher's Server-Sent Events stream (`GET /console/events`): the bus's snapshot,
/// then each message as a `data:` line, a `{"type":"ping"}` when idle. A watcher whose unread output
/// passes `Console.maxBufferedBytesPerWatcher` is dropped, so a slow one never holds memory.
///
/// Confined to the serve loop's thread.
final class ConsoleStream: ConnectionDelegate {
    private let connection: Connection
    private unowned let console: Console
    let peer: String
    private var keepAlive: LoopTimer?
    private var closed = false

    init(connection: Connection, console: Console) {
        self.connection = connection
        self.console = console
        self.peer = connection.peer
    }

    func start() {
        connection.delegate = self
        // No Content-Length: the body runs until either side closes (RFC 9112 §6.3).
        var head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\n"
        head += "Cache-Control: no-store\r\nX-Accel-Buffering: no\r\nConnection: close\r\n\r\n"
        head += "retry: 3000\n\n"
        connection.write(Array(head.utf8))
        let snapshot = console.watch.subscribe(ObjectIdentifier(self)) { [weak self] message in self?.send(message) }
        send(snapshot)
        scheduleKeepAlive()
    }

    /// One event; drops the watcher rather than buffer past its budget.
    private func send(_ message: String) {
        guard !closed else { return }
        let bytes = Array(("data: " + message + "\n\n").utf8)
        if connection.bufferedOutputBytes + bytes.count > console.maxBufferedBytesPerWatcher {
            finish(dropped: true)
            connection.close()
            return
        }
        connection.write(bytes)
    }

    private func scheduleKeepAlive() {
        keepAlive = connection.loop.schedule(afterMs: console.keepAliveMs) { [weak self] in
            guard let self, !self.closed else { return }
            self.send("{\"type\":\"ping\"}")
            self.scheduleKeepAlive()
        }
    }

    private func finish(dropped: Bool) {
        guard !closed else { return }
        closed = true
        keepAlive?.cancel()
        keepAlive = nil
        console.streamClosed(self, dropped: dropped)
    }

    func connectionDidOpen(_ connection: Connection) {}

    func connection(_ connection: Connection, didRead bytes: UnsafeRawBufferPointer) {}  // a watcher only listens

    func connection(_ connection: Connection, didCloseWith error: NetError?) {
        finish(dropped: false)
        connection.delegate = nil
    }
}

@available(*, unavailable)
extension ConsoleStream: Sendable {}
