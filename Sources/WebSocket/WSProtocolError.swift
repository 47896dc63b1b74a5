/// A violation of RFC 6455 by the peer. The connection must be failed: send a close frame with
/// `closeCode` (see `WSStateMachine.protocolError(_:)`), then close it.
public struct WSProtocolError: Error, Equatable, CustomStringConvertible {
    /// The close code to send: 1002 protocol error, 1007 invalid UTF-8, 1009 too big.
    public let closeCode: UInt16
    /// What the peer did wrong, for logs; also sent as the close reason (truncated to fit).
    public let reason: String

    /// Creates an error with the close code to send and a reason.
    public init(closeCode: UInt16, reason: String) {
        self.closeCode = closeCode
        self.reason = reason
    }

    /// `WebSocket protocol error <code>: <reason>`.
    public var description: String {
        "WebSocket protocol error \(closeCode): \(reason)"
    }

    static func protocolViolation(_ reason: String) -> WSProtocolError {
        WSProtocolError(closeCode: WSCloseCode.protocolError, reason: reason)
    }

    static func invalidUTF8(_ reason: String) -> WSProtocolError {
        WSProtocolError(closeCode: WSCloseCode.invalidPayloadData, reason: reason)
    }

    static func tooBig(_ reason: String) -> WSProtocolError {
        WSProtocolError(closeCode: WSCloseCode.messageTooBig, reason: reason)
    }
}
