import Net

/// A scripted TCP client for loopback tests of servers: sends byte chunks at set delays after it
/// connects, records every byte it receives and how and when the connection ended.
public final class ScriptedPeer: ConnectionDelegate {
    /// One step of the script: wait `afterMs` (from the previous step), then send `bytes`.
    public struct Step {
        public var afterMs: Int64
        public var bytes: [UInt8]
        public init(afterMs: Int64 = 0, _ bytes: [UInt8]) {
            self.afterMs = afterMs
            self.bytes = bytes
        }
        public init(afterMs: Int64 = 0, _ text: String) {
            self.init(afterMs: afterMs, Array(text.utf8))
        }
    }

    /// Everything received so far.
    public private(set) var received: [UInt8] = []
    /// `received` as text (lossy).
    public var text: String { String(decoding: received, as: UTF8.self) }
    /// Whether the connection opened.
    public private(set) var opened = false
    /// Whether the connection ended, and with which error (nil for an orderly close or EOF).
    public private(set) var closed = false
    public private(set) var closeError: NetError?
    /// Loop time when the connection ended.
    public private(set) var closedAtMs: Int64?
    /// Loop time when the connection opened.
    public private(set) var openedAtMs: Int64?
    /// Called on every read, e.g. to answer.
    public var onRead: ((ScriptedPeer) -> Void)?
    /// The transport, once connecting.
    public private(set) var connection: Connection?

    private let script: [Step]
    private var timers: [LoopTimer] = []

    /// Connects to `127.0.0.1:port` on `loop` and plays `script` once connected.
    public init(port: Int, loop: EventLoop, script: [Step] = [], tls: TLSContext? = nil, host: String = "127.0.0.1") {
        self.script = script
        connection = Connection.connect(host: host, port: port, tls: tls, loop: loop, timeoutMs: 5_000, delegate: self)
    }

    /// Sends more bytes now.
    public func send(_ bytes: [UInt8]) { connection?.write(bytes) }

    /// Closes our side.
    public func close() { connection?.close() }

    public func connectionDidOpen(_ connection: Connection) {
        opened = true
        openedAtMs = connection.loop.now
        var at: Int64 = 0
        for step in script {
            at += step.afterMs
            if at == 0 {
                connection.write(step.bytes)
            } else {
                timers.append(connection.loop.schedule(afterMs: at) { [weak connection] in connection?.write(step.bytes) })
            }
        }
    }

    public func connection(_ connection: Connection, didRead bytes: UnsafeRawBufferPointer) {
        received.append(contentsOf: bytes)
        onRead?(self)
    }

    public func connection(_ connection: Connection, didCloseWith error: NetError?) {
        closed = true
        closeError = error
        closedAtMs = connection.loop.now
        for timer in timers { timer.cancel() }
    }
}
