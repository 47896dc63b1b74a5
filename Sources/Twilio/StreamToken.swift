import Base64

/// A per-call pass for a Media Stream: an HMAC that the bridge puts in the TwiML of each call as a
/// `<Parameter name="token">`, which Twilio hands back verbatim in `start.customParameters`.
///
/// The stream upgrade's `X-Twilio-Signature` covers only `wss://PUBLIC_URL/media-stream`, so it
/// is the same for every call: whoever sees it once could open streams of their own. The token
/// closes that: it binds one CallSid (or, for an outbound call whose CallSid is not known when
/// its TwiML is written, a single-use nonce), an expiry, and every other `<Parameter>` of the
/// stream, so nothing in `customParameters` is honoured unless the bridge wrote it.
///
/// Format: `v1.<expiry, Unix seconds>.<c|o>.<base64url HMAC-SHA256>`, `c` bound to the CallSid,
/// `o` bound to no CallSid (outbound; the verifier keeps it single-use). The HMAC covers the
/// version, expiry, binding, the CallSid (empty for `o`) and each other parameter, sorted by
/// name, each field length-prefixed. Values are compared as XML will hand them back: tab, line
/// feed and carriage return become spaces (attribute-value normalization, XML 1.0 §3.3.3) and
/// other control characters are gone (`TwiML.escaped` removes them).
public struct StreamToken: Sendable {
    /// The `<Parameter>` name that carries the token.
    public static let parameterName = "token"
    /// How long an inbound call's token is good for: Twilio opens the stream within a second or
    /// two of fetching the TwiML.
    public static let inboundLifetimeSeconds: Int64 = 120
    /// How long an outbound call's token is good for: the TwiML runs when the callee answers,
    /// after queueing and up to a minute of ringing.
    public static let outboundLifetimeSeconds: Int64 = 900

    /// Why a stream's token was refused (never quotes the token).
    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        /// No `token` parameter.
        case missing
        /// Not of the `v1.…` shape.
        case malformed
        /// Its expiry has passed.
        case expired
        /// The HMAC does not match this CallSid and these parameters.
        case mismatch
        /// A single-use token seen before.
        case reused

        public var description: String {
            switch self {
            case .missing: return "the start event carries no token parameter (only streams of the bridge's own TwiML are accepted)"
            case .malformed: return "the token parameter is malformed"
            case .expired: return "the token has expired"
            case .mismatch: return "the token does not match this CallSid and these parameters"
            case .reused: return "the token was already used"
            }
        }
    }

    /// A verified token: when it expires and, for single-use tokens, the key to remember it by.
    public struct Verified: Equatable, Sendable {
        /// Unix seconds.
        public let expiresAt: Int64
        /// Set for outbound (unbound) tokens, which may be used once.
        public let singleUseKey: String?
    }

    let key: [UInt8]

    /// A token maker and checker keyed from `secret` (`BRIDGE_SECRET`, else `TWILIO_AUTH_TOKEN`).
    /// The key is derived, so a token never reveals anything usable as a Twilio signature key.
    public init(secret: String) {
        key = TwilioSignature.hmac(key: Array(secret.utf8), message: Array("voice-bridge stream token v1".utf8),
                                   algorithm: .hmacSHA256)
    }

    /// `parameters` with the token appended, for the TwiML of the call `callSid` (nil for an
    /// outbound call: the token is then bound to a fresh nonce parameter and is single-use).
    /// Parameters that `TwiML.connectStream` would drop are left out here too.
    public func signed(_ parameters: [(String, String)], callSid: String?, now: Int64) -> [(String, String)] {
        var kept = parameters.filter { TwiML.fitsParameter($0.0, $0.1) && $0.0 != Self.parameterName }
        let binding: String
        let expiresAt: Int64
        if let callSid {
            binding = "c"
            expiresAt = now + Self.inboundLifetimeSeconds
            kept.removeAll { $0.0 == "CallSid" }
            kept.append(("CallSid", callSid))
        } else {
            binding = "o"
            expiresAt = now + Self.outboundLifetimeSeconds
            kept.removeAll { $0.0 == "nonce" }
            kept.append(("nonce", Self.nonce()))
        }
        let mac = self.mac(binding: binding, expiresAt: expiresAt, callSid: callSid ?? "", parameters: kept)
        return kept + [(Self.parameterName, "v1.\(expiresAt).\(binding).\(mac)")]
    }

    /// Checks the token in `parameters` for the stream of call `callSid` at `now` (Unix seconds).
    public func verify(callSid: String, parameters: [String: String], now: Int64) -> Result<Verified, Failure> {
        guard let token = parameters[Self.parameterName] else { return .failure(.missing) }
        let parts = token.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard token.utf8.count <= 128, parts.count == 4, String(decoding: parts[0], as: UTF8.self) == "v1",
              parts[1].count <= 12, let expiresAt = Int64(String(decoding: parts[1], as: UTF8.self)),
              parts[2].count == 1, let bindingByte = parts[2].first,
              bindingByte == UInt8(ascii: "c") || bindingByte == UInt8(ascii: "o") else {
            return .failure(.malformed)
        }
        guard expiresAt > now else { return .failure(.expired) }
        let bound = bindingByte == UInt8(ascii: "c")
        var others: [(String, String)] = []
        for (name, value) in parameters where name != Self.parameterName { others.append((name, value)) }
        if bound && parameters["CallSid"] != callSid { return .failure(.mismatch) }
        let expected = mac(binding: bound ? "c" : "o", expiresAt: expiresAt, callSid: bound ? callSid : "", parameters: others)
        guard TwilioSignature.constantTimeEqual(Array(expected.utf8), Array(parts[3])) else { return .failure(.mismatch) }
        return .success(Verified(expiresAt: expiresAt, singleUseKey: bound ? nil : String(decoding: parts[3], as: UTF8.self)))
    }

    private func mac(binding: String, expiresAt: Int64, callSid: String, parameters: [(String, String)]) -> String {
        var message: [UInt8] = []
        func field(_ bytes: [UInt8]) {
            message += Array(String(bytes.count).utf8)
            message.append(UInt8(ascii: ":"))
            message += bytes
        }
        field(Array("v1".utf8))
        field(Array(String(expiresAt).utf8))
        field(Array(binding.utf8))
        field(Array(callSid.utf8))
        let normalized = parameters.map { (Array($0.0.utf8), Self.asXMLReturnsIt($0.1)) }
        for (name, value) in normalized.sorted(by: { $0.0.lexicographicallyPrecedes($1.0) }) {
            field(name)
            field(value)
        }
        return Base64.encodeURL(TwilioSignature.hmac(key: key, message: message, algorithm: .hmacSHA256))
    }

    /// `value`'s bytes as Twilio reads them back from our TwiML attribute.
    static func asXMLReturnsIt(_ value: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(value.utf8.count)
        for byte in value.utf8 {
            switch byte {
            case 0x09, 0x0A, 0x0D: bytes.append(0x20)
            case 0x00..<0x20: continue
            default: bytes.append(byte)
            }
        }
        return bytes
    }

    static func nonce() -> String {
        var generator = SystemRandomNumberGenerator()
        return Base64.encodeURL((0..<12).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }
}
