import Net

/// Why a WebSocket ended.
public enum WSCloseReason: CustomStringConvertible {
    /// A close handshake happened (either side began it); code and reason as sent by the peer or us.
    case closed(code: UInt16?, reason: String)
    /// The server answered the opening handshake with something other than `101`.
    case handshakeRefused(status: Int, body: String)
    /// The opening handshake was answered but broke a rule (bad accept value, extension…).
    case handshakeInvalid(String)
    /// The transport failed: DNS, connect, TLS, reset, timeout.
    case transport(NetError)
    /// The peer broke the protocol; we closed with this code.
    case protocolError(code: UInt16, reason: String)

    public var description: String {
        switch self {
        case .closed(let code, let reason):
            return "closed with code \(code.map(String.init) ?? "none")" + (reason.isEmpty ? "" : " (\(reason))")
        case .handshakeRefused(let status, let body):
            return "handshake refused with HTTP \(status): \(body)"
        case .handshakeInvalid(let why):
            return "invalid handshake answer: \(why)"
        case .transport(let error):
            return error.message
        case .protocolError(let code, let reason):
            return "protocol error \(code): \(reason)"
        }
    }
}

/// Receives a `WSConnection`'s events on its loop thread.
public protocol WSConnectionDelegate: AnyObject {
    /// The connection is open (for a client: the `101` answer was valid).
    func webSocketDidOpen(_ socket: WSConnection)
    /// A whole text message (valid UTF-8). The buffer is valid only during the call.
    func webSocket(_ socket: WSConnection, didReceiveText text: UnsafeRawBufferPointer)
    /// A whole binary message. The buffer is valid only during the call.
    func webSocket(_ socket: WSConnection, didReceiveBinary data: UnsafeRawBufferPointer)
    /// The connection ended; called exactly once.
    func webSocket(_ socket: WSConnection, didCloseWith reason: WSCloseReason)
}
