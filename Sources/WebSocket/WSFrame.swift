/// One WebSocket frame as the application sees it: RSV bits are always zero (no extension is
/// ever negotiated) and the payload is already unmasked.
public struct WSFrame: Sendable, Equatable {
    /// True on the last frame of a message (and on every control frame).
    public var fin: Bool
    /// What the frame carries.
    public var opcode: WSOpcode
    /// The application data, unmasked.
    public var payload: [UInt8]

    /// Creates a frame.
    public init(fin: Bool = true, opcode: WSOpcode, payload: [UInt8] = []) {
        self.fin = fin
        self.opcode = opcode
        self.payload = payload
    }
}

/// A WebSocket frame opcode (RFC 6455 §5.2). Opcodes 3-7 and 11-15 are reserved and fail the
/// connection when received, so they have no case here.
public enum WSOpcode: UInt8, Sendable, CustomStringConvertible {
    /// A further fragment of the message in progress.
    case continuation = 0x0
    /// The first (or only) frame of a UTF-8 text message.
    case text = 0x1
    /// The first (or only) frame of a binary message.
    case binary = 0x2
    /// Starts or answers the closing handshake (RFC 6455 §5.5.1).
    case close = 0x8
    /// A keep-alive or liveness probe; the peer answers with a pong (RFC 6455 §5.5.2).
    case ping = 0x9
    /// The answer to a ping, or an unsolicited heartbeat (RFC 6455 §5.5.3).
    case pong = 0xA

    /// True for close, ping and pong: at most 125 bytes of payload, never fragmented, and
    /// allowed between the fragments of a message (RFC 6455 §5.5).
    public var isControl: Bool {
        rawValue & 0x8 != 0
    }

    /// The opcode's name, for logs.
    public var description: String {
        switch self {
        case .continuation: return "continuation"
        case .text: return "text"
        case .binary: return "binary"
        case .close: return "close"
        case .ping: return "ping"
        case .pong: return "pong"
        }
    }
}

/// Which end of a WebSocket connection this is; it decides masking (RFC 6455 §5.1).
public enum WSRole: Sendable, Equatable {
    /// Accepted the connection: expects masked frames and sends unmasked ones.
    case server
    /// Opened the connection: sends masked frames and expects unmasked ones.
    case client
}
