/// The protocol logic of one WebSocket connection (RFC 6455 §5.4-§5.5, §7), free of I/O: the
/// owner feeds it events and executes the `WSAction`s it returns, in order.
///
/// It reassembles fragmented messages (control frames may come between fragments), validates
/// text as UTF-8 fragment by fragment so an invalid byte fails the connection at once (1007),
/// bounds reassembled messages by `maxMessageSize` (1009), answers pings, and runs the closing
/// handshake:
///
/// - Peer closes first: we echo its code (empty if it sent none) and report `.closed`. A server
///   then closes TCP (`.closeConnection`); a client waits for the server to close TCP
///   (RFC 6455 §7.1.1), so the owner arms a timer and calls `closeTimedOut()` if it does not, or
///   `connectionLost()` when it does.
/// - We close first (`close(code:reason:)`): we send a close frame and the owner arms a timer. The
///   peer's answering close completes the handshake (`.closed`, plus `.closeConnection` for a
///   server); `closeTimedOut()` gives up (`.closeConnection`, `.closed` with 1006).
/// - A protocol error (from `WSFrameParser` or found here): close frame with the error's code,
///   `.closeConnection`, `.closed`.
///
/// After a close frame was sent or received, data frames and pings are ignored.
public struct WSStateMachine: Sendable {
    /// Which end of the connection this is.
    public let role: WSRole
    /// The largest reassembled message accepted; beyond it the connection fails with 1009.
    public let maxMessageSize: Int

    private var closeSent = false
    private var closeReceived = false
    private var connectionClosed = false
    private var closedReported = false
    private var messageOpcode: WSOpcode?
    private var messageBytes: [UInt8] = []
    private var utf8 = WSUTF8Validator()

    /// Creates the state of a freshly opened connection.
    public init(role: WSRole, maxMessageSize: Int = 1 << 20) {
        self.role = role
        self.maxMessageSize = maxMessageSize
    }

    /// True until a close frame is sent or received or the connection ends: messages flow both ways.
    public var isOpen: Bool {
        !closeSent && !closeReceived && !connectionClosed
    }

    /// True while we may still send data frames (no close frame sent, connection up).
    public var canSend: Bool {
        !closeSent && !connectionClosed
    }

    /// True when we have sent a close frame and the TCP connection is still up: the owner should
    /// have a timer armed that calls `closeTimedOut()`.
    public var isClosing: Bool {
        closeSent && !connectionClosed
    }

    /// True once `.closeConnection` has been returned.
    public var isConnectionClosed: Bool {
        connectionClosed
    }

    /// True once `.closed` has been returned.
    public var isClosed: Bool {
        closedReported
    }

    /// Whether the frame `slice` describes may go straight to the application as one message,
    /// without `received(_:)`: an unfragmented text (whole, valid UTF-8) or binary frame within
    /// `maxMessageSize`, while no message is being reassembled and no close was sent or received.
    /// Exactly then `received(_:)` would return only `.deliverText`/`.deliverBinary` of its
    /// payload and change no state — the audio path skips the copy, the action array and a
    /// second UTF-8 pass.
    public func deliversDirectly(_ slice: WSFrameSlice) -> Bool {
        slice.fin && (slice.opcode == .binary || (slice.opcode == .text && slice.isCompleteText))
            && messageOpcode == nil && !closeSent && !closeReceived && !connectionClosed
            && slice.payload.count <= maxMessageSize
    }

    /// Handles one frame from `WSFrameParser`.
    public mutating func received(_ frame: WSFrame) -> [WSAction] {
        guard !connectionClosed else { return [] }
        switch frame.opcode {
        case .ping:
            // RFC 6455 §5.5.3: the pong carries the ping's "Application data"; none after our close.
            return closeSent ? [] : [.send(.pong, frame.payload)]
        case .pong:
            return []
        case .close:
            return receivedClose(frame.payload)
        case .text, .binary, .continuation:
            guard !closeSent && !closeReceived else { return [] }
            do throws(WSProtocolError) {
                return try receivedData(frame)
            } catch {
                return protocolError(error)
            }
        }
    }

    /// Fails the connection (RFC 6455 §7.1.7) for an error from `WSFrameParser` or the handshake
    /// layer: a close frame with `error.closeCode`, then `.closeConnection` and `.closed`.
    public mutating func protocolError(_ error: WSProtocolError) -> [WSAction] {
        guard !connectionClosed else { return [] }
        var actions: [WSAction] = []
        if !closeSent {
            closeSent = true
            actions.append(.send(.close, WSCloseCode.encodePayload(code: error.closeCode, reason: error.reason)))
        }
        connectionClosed = true
        actions.append(.closeConnection)
        actions.append(contentsOf: reportClosed(code: error.closeCode, reason: error.reason))
        return actions
    }

    /// Starts the closing handshake on our initiative. A `code` that may not be sent
    /// (`WSCloseCode.isValidOnWire` is false, e.g. 1005 or 1006) is left out: the close frame is
    /// then empty. `reason` is cut to 123 bytes. Does nothing if a close frame was already sent.
    public mutating func close(code: UInt16, reason: String) -> [WSAction] {
        guard !closeSent && !connectionClosed else { return [] }
        closeSent = true
        let payload = WSCloseCode.isValidOnWire(code) ? WSCloseCode.encodePayload(code: code, reason: reason) : []
        return [.send(.close, payload)]
    }

    /// The owner's close timer fired: the peer did not finish the closing handshake (or, for a
    /// client, did not close TCP after it) in time.
    public mutating func closeTimedOut() -> [WSAction] {
        guard !connectionClosed else { return [] }
        connectionClosed = true
        return [.closeConnection] + reportClosed(code: WSCloseCode.abnormalClosure, reason: "the peer did not complete the closing handshake in time")
    }

    /// The TCP connection ended (EOF or error) on the peer's side.
    public mutating func connectionLost() -> [WSAction] {
        guard !connectionClosed else { return [] }
        connectionClosed = true
        return [.closeConnection] + reportClosed(code: WSCloseCode.abnormalClosure, reason: "the connection closed without a WebSocket closing handshake")
    }

    /// A ping to send, e.g. from a keep-alive timer; nothing once closing. The payload is cut to
    /// the 125 bytes a control frame may carry.
    public mutating func ping(_ payload: [UInt8] = []) -> [WSAction] {
        canSend ? [.send(.ping, Array(payload.prefix(125)))] : []
    }

    private mutating func receivedData(_ frame: WSFrame) throws(WSProtocolError) -> [WSAction] {
        let opcode: WSOpcode
        if frame.opcode == .continuation {
            // RFC 6455 §5.4: continuation frames only follow a non-final data frame.
            guard let started = messageOpcode else {
                throw .protocolViolation("continuation frame without a message in progress")
            }
            opcode = started
        } else {
            // RFC 6455 §5.4: fragments of one message are not interleaved with another message.
            guard messageOpcode == nil else {
                throw .protocolViolation("new \(frame.opcode) message while a fragmented message is in progress")
            }
            opcode = frame.opcode
            utf8 = WSUTF8Validator()
        }
        guard frame.payload.count <= maxMessageSize - messageBytes.count else {
            throw .tooBig("message exceeds the limit of \(maxMessageSize) bytes")
        }
        // RFC 6455 §8.1: fail on invalid UTF-8 as soon as it is seen, not at the end of the message.
        if opcode == .text && !utf8.feed(frame.payload) {
            throw .invalidUTF8("text message is not valid UTF-8")
        }
        guard frame.fin else {
            messageOpcode = opcode
            messageBytes.append(contentsOf: frame.payload)
            return []
        }
        var message = frame.payload
        if messageOpcode != nil {
            message = messageBytes + frame.payload
            messageBytes = []
            messageOpcode = nil
        }
        if opcode == .text {
            guard utf8.isComplete else {
                throw .invalidUTF8("text message ends inside a UTF-8 sequence")
            }
            return [.deliverText(message)]
        }
        return [.deliverBinary(message)]
    }

    private mutating func receivedClose(_ payload: [UInt8]) -> [WSAction] {
        guard !closeReceived else { return [] }
        let code: UInt16?
        let reason: String
        do throws(WSProtocolError) {
            (code, reason) = try WSCloseCode.decodePayload(payload)
        } catch {
            return protocolError(error)
        }
        closeReceived = true
        var actions: [WSAction] = []
        if !closeSent {
            closeSent = true
            // RFC 6455 §5.5.1: "the endpoint typically echos the status code it received".
            actions.append(.send(.close, WSCloseCode.encodePayload(code: code, reason: "")))
        }
        if role == .server {
            // RFC 6455 §7.1.1: "the underlying TCP connection, in most normal cases, SHOULD be
            // closed first by the server"; a client waits for it.
            connectionClosed = true
            actions.append(.closeConnection)
        }
        actions.append(contentsOf: reportClosed(code: code, reason: reason))
        return actions
    }

    private mutating func reportClosed(code: UInt16?, reason: String) -> [WSAction] {
        guard !closedReported else { return [] }
        closedReported = true
        return [.closed(code: code, reason: reason)]
    }
}

/// What the owner of a connection must do after an event fed to `WSStateMachine`, in order.
public enum WSAction: Sendable, Equatable {
    /// Hand a complete text message (valid UTF-8, reassembled) to the application.
    case deliverText([UInt8])
    /// Hand a complete binary message (reassembled) to the application.
    case deliverBinary([UInt8])
    /// Write this frame: `WSFrameEncoder.append` with a fresh masking key in the client role,
    /// unmasked in the server role.
    case send(WSOpcode, [UInt8])
    /// Close the TCP connection once everything queued before it has been written (after a TLS
    /// close_notify for wss). Emitted at most once; nothing is sent after it.
    case closeConnection
    /// The WebSocket is over for the application; emitted exactly once per connection.
    ///
    /// `code` is the peer's close code (nil when its close frame carried none, RFC 6455 §7.1.5's
    /// 1005), our code when we failed the connection for a protocol error, or 1006 when the
    /// connection ended without a completed close handshake. `reason` is the peer's close reason
    /// or a description of what happened.
    case closed(code: UInt16?, reason: String)
}
