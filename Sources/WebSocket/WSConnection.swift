import Net
import HTTP

/// A WebSocket over a `Connection`: drives the pure `WSFrameParser` and `WSStateMachine` and
/// executes their actions on the socket. Client connections also run the opening handshake.
public final class WSConnection: ConnectionDelegate {
    /// Limits for one connection.
    public struct Options: Sendable {
        /// The largest frame accepted (close 1009 beyond it).
        public var maxFrameSize = 1 << 20
        /// The largest reassembled message accepted (close 1009 beyond it).
        public var maxMessageSize = 1 << 20
        /// How long to wait for the peer's close after ours, in milliseconds.
        public var closeTimeoutMs: Int64 = 5_000
        /// Send a ping after this long without a frame from the peer, in milliseconds; 0 turns
        /// pings off. nil means the role's default: 15 s for a client (toward the provider, so a
        /// half-open connection is found and idle NATs keep the mapping), off for a server.
        public var pingIntervalMs: Int64?
        /// Fail the connection after this long without any byte from the peer, in milliseconds;
        /// 0 turns it off. nil means the role's default: 45 s for a client, off for a server.
        public var deadPeerTimeoutMs: Int64?
        /// Creates the defaults.
        public init() {}

        /// The client-role default of `pingIntervalMs`.
        public static let clientPingIntervalMs: Int64 = 15_000
        /// The client-role default of `deadPeerTimeoutMs`.
        public static let clientDeadPeerTimeoutMs: Int64 = 45_000
    }

    enum Phase { case handshaking, open, closing, closed }

    /// The transport.
    public let connection: Connection
    /// Receives messages and the close.
    public weak var delegate: WSConnectionDelegate?
    /// Which side of the protocol this is.
    public let role: WSRole
    /// Free-form label for logs.
    public var label = ""

    var phase: Phase
    var parser: WSFrameParser
    var machine: WSStateMachine
    let options: Options
    var closeTimer: LoopTimer?
    var closeReason: WSCloseReason?
    // Client handshake state.
    var handshakeKey = ""
    var handshakeRequest: [UInt8] = []
    var responseParser = HTTPResponseParser()
    var refusedHead: HTTPResponseHead?
    var handshakeTimer: LoopTimer?
    // Keep-alive state (see WSConnection+KeepAlive.swift).
    let pingIntervalMs: Int64
    let deadPeerTimeoutMs: Int64
    var lastReceivedMs: Int64 = 0
    var lastPingSentMs: Int64 = 0
    var keepAliveTimer: LoopTimer?
    /// While set, frames stay in the parser's buffer undelivered (a hand-over to another loop).
    var holdsDelivery = false

    init(connection: Connection, role: WSRole, phase: Phase, options: Options) {
        self.connection = connection
        self.role = role
        self.phase = phase
        self.options = options
        self.parser = WSFrameParser(role: role, maxFrameSize: options.maxFrameSize)
        self.machine = WSStateMachine(role: role, maxMessageSize: options.maxMessageSize)
        self.pingIntervalMs = options.pingIntervalMs ?? (role == .client ? Options.clientPingIntervalMs : 0)
        self.deadPeerTimeoutMs = options.deadPeerTimeoutMs ?? (role == .client ? Options.clientDeadPeerTimeoutMs : 0)
    }

    /// Whether messages can be sent.
    public var isOpen: Bool { phase == .open }

    /// Bytes waiting in the transport, for back-pressure decisions.
    public var bufferedOutputBytes: Int { connection.bufferedOutputBytes }

    // MARK: Sending

    /// Sends one text message (must be valid UTF-8, which a Swift `String` is).
    public func sendText(_ text: String) {
        var t = text
        t.withUTF8 { send(.text, UnsafeRawBufferPointer($0)) }
    }

    /// Sends one text message from UTF-8 bytes the caller vouches for.
    public func sendText(utf8 bytes: UnsafeRawBufferPointer) { send(.text, bytes) }

    /// Sends one binary message.
    public func sendBinary(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { send(.binary, $0) }
    }

    /// Sends one text message of `count` bytes that `fill` writes in place (all of them, valid
    /// UTF-8 the caller vouches for): the frame is built in the transport's output buffer, so a
    /// message made of pieces (JSON around a base64 payload, on the audio path) needs no `String`.
    public func sendText(count: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Void) {
        guard phase == .open else { return }
        writeFrame(.text, count: count, fill)
    }

    func send(_ opcode: WSOpcode, _ payload: UnsafeRawBufferPointer) {
        guard phase == .open else { return }
        writeFrame(opcode, count: payload.count) { $0.copyMemory(from: payload) }
    }

    /// One frame, header and payload (masked in place as a client, RFC 6455 §5.3), written
    /// straight into the connection's output buffer.
    private func writeFrame(_ opcode: WSOpcode, count: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Void) {
        let maskingKey = role == .client ? WSFrameEncoder.randomMaskingKey() : nil
        let headerSize = WSFrameEncoder.headerSize(payloadCount: count, masked: maskingKey != nil)
        connection.write(count: headerSize + count) { frame in
            WSFrameEncoder.writeHeader(opcode: opcode, payloadCount: count, maskingKey: maskingKey, into: frame)
            let payload = UnsafeMutableRawBufferPointer(rebasing: frame[headerSize...])
            fill(payload)
            if let maskingKey { WSMasking.apply(key: maskingKey, to: payload) }
        }
    }

    /// Starts the close handshake; the transport closes when the peer answers or after a timeout.
    public func close(code: UInt16 = 1000, reason: String = "") {
        guard phase == .open else {
            if phase == .handshaking { finish(.closed(code: code, reason: reason)); connection.close() }
            return
        }
        perform(machine.close(code: code, reason: reason))
    }

    // MARK: Receiving

    public func connectionDidOpen(_ connection: Connection) {
        if role == .client && phase == .handshaking {
            connection.write(handshakeRequest)
        }
    }

    public func connection(_ connection: Connection, didRead bytes: UnsafeRawBufferPointer) {
        switch phase {
        case .handshaking:
            readHandshakeAnswer(bytes)
        case .open, .closing:
            lastReceivedMs = connection.loop.now
            parser.append(bytes)
            drainFrames()
        case .closed:
            break
        }
    }

    func drainFrames() {
        while (phase == .open || phase == .closing) && !holdsDelivery {
            let slice: WSFrameSlice?
            do {
                slice = try parser.nextSlice()
            } catch {
                closeReason = .protocolError(code: error.closeCode, reason: error.reason)
                perform(machine.protocolError(error))
                return
            }
            guard let slice else { return }
            if machine.deliversDirectly(slice) {
                deliver(slice)
            } else {
                perform(machine.received(parser.frame(slice)))
            }
        }
    }

    /// Hands an unfragmented message to the delegate straight from the parser's buffer.
    private func deliver(_ slice: WSFrameSlice) {
        // A reference to the buffer, not to `parser`: the delegate may act on this connection
        // (send, close) while it reads, and the next `append` copies the buffer if still shared.
        let storage = parser.bytes
        storage.withUnsafeBytes { raw in
            let payload = UnsafeRawBufferPointer(rebasing: raw[slice.payload])
            if slice.opcode == .text {
                delegate?.webSocket(self, didReceiveText: payload)
            } else {
                delegate?.webSocket(self, didReceiveBinary: payload)
            }
        }
    }

    func perform(_ actions: [WSAction]) {
        for action in actions {
            switch action {
            case .deliverText(let bytes):
                bytes.withUnsafeBytes { delegate?.webSocket(self, didReceiveText: $0) }
            case .deliverBinary(let bytes):
                bytes.withUnsafeBytes { delegate?.webSocket(self, didReceiveBinary: $0) }
            case .send(let opcode, let payload):
                writeFrame(opcode, payload)
                if opcode == .close && phase == .open {
                    phase = .closing
                    stopKeepAlive()  // the close timer watches the peer from here on
                    armCloseTimer()
                }
            case .closeConnection:
                connection.close()
            case .closed(let code, let reason):
                if closeReason == nil { closeReason = .closed(code: code, reason: reason) }
                if phase == .open { phase = .closing }
            }
        }
    }

    private func writeFrame(_ opcode: WSOpcode, _ payload: [UInt8]) {
        payload.withUnsafeBytes { bytes in writeFrame(opcode, count: bytes.count) { $0.copyMemory(from: bytes) } }
    }

    private func armCloseTimer() {
        closeTimer?.cancel()
        closeTimer = connection.loop.schedule(afterMs: options.closeTimeoutMs) { [weak self] in
            guard let self, self.phase != .closed else { return }
            self.perform(self.machine.closeTimedOut())
            self.connection.close()
        }
    }

    public func connection(_ connection: Connection, didCloseWith error: NetError?) {
        if phase == .handshaking {
            finish(handshakeEndedByClose(error))
            return
        }
        // The state machine hears every end of the transport, as it hears every frame: after a
        // completed closing handshake it says nothing more; otherwise it reports 1006.
        let reasonBefore = closeReason
        perform(machine.connectionLost())
        if let error, reasonBefore == nil {
            finish(.transport(error))
        } else {
            finish(closeReason ?? .closed(code: WSCloseCode.abnormalClosure, reason: "the connection closed without a WebSocket closing handshake"))
        }
    }

    func finish(_ reason: WSCloseReason) {
        guard phase != .closed else { return }
        phase = .closed
        closeTimer?.cancel()
        closeTimer = nil
        handshakeTimer?.cancel()
        handshakeTimer = nil
        stopKeepAlive()
        delegate?.webSocket(self, didCloseWith: reason)
    }
}
