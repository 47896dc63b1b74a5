/// WebSocket close status codes (RFC 6455 §7.4) and the close frame payload (§5.5.1).
public enum WSCloseCode {
    /// 1000: the purpose of the connection was fulfilled.
    public static let normalClosure: UInt16 = 1000
    /// 1001: the endpoint is going away (server shutdown, page navigation).
    public static let goingAway: UInt16 = 1001
    /// 1002: the peer broke the protocol.
    public static let protocolError: UInt16 = 1002
    /// 1003: a data type the endpoint cannot accept (e.g. binary to a text-only endpoint).
    public static let unsupportedData: UInt16 = 1003
    /// 1005: reported locally when a close frame had no code; never sent.
    public static let noStatusReceived: UInt16 = 1005
    /// 1006: reported locally when the connection dropped without a close frame; never sent.
    public static let abnormalClosure: UInt16 = 1006
    /// 1007: a text message (or close reason) was not valid UTF-8.
    public static let invalidPayloadData: UInt16 = 1007
    /// 1008: a message violated the endpoint's policy.
    public static let policyViolation: UInt16 = 1008
    /// 1009: a message was too big to process.
    public static let messageTooBig: UInt16 = 1009
    /// 1010: the client needed an extension the server did not negotiate.
    public static let mandatoryExtension: UInt16 = 1010
    /// 1011: the server met an unexpected condition.
    public static let internalError: UInt16 = 1011
    /// 1015: reported locally when the TLS handshake failed; never sent.
    public static let tlsHandshakeFailure: UInt16 = 1015

    /// The largest close reason that fits a control frame: 125 bytes minus the 2-byte code.
    public static let maxReasonBytes = 123

    /// True for the codes a close frame may carry: 1000-1003, 1007-1011 and 3000-4999.
    ///
    /// This is the set Autobahn's cases 7.7 and 7.9 accept; 1004-1006, 1012-1016, other 1xxx,
    /// 2000-2999 and anything below 1000 or above 4999 are refused with 1002.
    public static func isValidOnWire(_ code: UInt16) -> Bool {
        switch code {
        case 1000...1003, 1007...1011, 3000...4999: return true
        default: return false
        }
    }

    /// The payload of a close frame: empty when `code` is nil, else the code in network order
    /// followed by `reason` as UTF-8, cut at a character boundary to `maxReasonBytes`.
    public static func encodePayload(code: UInt16?, reason: String) -> [UInt8] {
        guard let code else { return [] }
        var payload: [UInt8] = [UInt8(truncatingIfNeeded: code >> 8), UInt8(truncatingIfNeeded: code)]
        var reasonBytes = 0
        for scalar in reason.unicodeScalars {
            let scalarBytes = UTF8.width(scalar)
            guard reasonBytes + scalarBytes <= maxReasonBytes else { break }
            payload.append(contentsOf: String(scalar).utf8)
            reasonBytes += scalarBytes
        }
        return payload
    }

    /// Reads a received close payload (RFC 6455 §5.5.1): empty, or a code valid on the wire
    /// followed by a UTF-8 reason.
    ///
    /// - Throws: `WSProtocolError` 1002 for a 1-byte payload or a code not valid on the wire, 1007
    ///   for a reason that is not UTF-8.
    public static func decodePayload(_ payload: [UInt8]) throws(WSProtocolError) -> (code: UInt16?, reason: String) {
        if payload.isEmpty { return (nil, "") }
        guard payload.count >= 2 else {
            throw .protocolViolation("close frame with a 1-byte payload (a close code takes 2 bytes)")
        }
        let code = UInt16(payload[0]) << 8 | UInt16(payload[1])
        guard isValidOnWire(code) else {
            throw .protocolViolation("close frame carries code \(code), which may not be sent on the wire")
        }
        let reasonBytes = Array(payload[2...])
        guard WSUTF8Validator.isValid(reasonBytes) else {
            throw .invalidUTF8("close reason is not valid UTF-8")
        }
        return (code, String(decoding: reasonBytes, as: UTF8.self))
    }
}
