import HTTP

/// Decides whether a request really comes from Twilio, by its `X-Twilio-Signature`
/// (PROTOCOLS.md §1), for the three shapes Twilio sends:
/// - a form POST (`application/x-www-form-urlencoded`): URL + sorted form parameters;
/// - a GET, or the Media Streams WebSocket upgrade: the URL alone (its query included);
/// - a JSON body: the URL carries `bodySHA256`, the hex SHA-256 of the raw body, and the
///   signature covers the URL alone.
///
/// The URL must be the one Twilio requested (built from `PUBLIC_URL`), never the local socket's.
public struct TwilioRequestValidator: Sendable {
    /// Why a request was refused; never carries the signature or the token.
    public enum Failure: Error, Equatable, Sendable, CustomStringConvertible {
        /// No `X-Twilio-Signature` header.
        case missingSignature
        /// The header is not 28 base64 characters (a base64 HMAC-SHA1), so no work is spent on it.
        case malformedSignature
        /// A form body over `maxFormBytes` or with more than `maxFormParameters` parameters:
        /// larger than anything Twilio sends, refused before it is decoded.
        case formTooLarge
        /// The header matched none of the URL variants.
        case mismatch
        /// `bodySHA256` in the URL is not the hash of the body that arrived.
        case bodyHashMismatch

        public var description: String {
            switch self {
            case .missingSignature: return "no X-Twilio-Signature header"
            case .malformedSignature: return "X-Twilio-Signature is not 28 base64 characters"
            case .formTooLarge:
                return "form body over \(TwilioRequestValidator.maxFormBytes) bytes or \(TwilioRequestValidator.maxFormParameters) parameters"
            case .mismatch: return "X-Twilio-Signature does not match"
            case .bodyHashMismatch: return "bodySHA256 does not match the body"
            }
        }
    }

    /// The largest webhook form accepted, in bytes. Twilio's voice and status-callback requests
    /// carry 20 to 40 parameters in 1 to 3 kB; a SIP call's `SipHeader_*` fields and a STIR/SHAKEN
    /// `StirPassportToken` add a few kB more.
    public static let maxFormBytes = 16 * 1024
    /// The most parameters a webhook form may have (each `&` starts one more).
    public static let maxFormParameters = 128

    private let authToken: String

    /// A validator for the account whose Auth Token is `authToken`.
    public init(authToken: String) {
        self.authToken = authToken
    }

    /// Checks `request`, which Twilio sent to one of `urls` (full URLs with path and query; more
    /// than one when the scheme Twilio used is not known). Returns nil when it is authentic.
    public func check(_ request: HTTPRequest, urls: [String]) -> Failure? {
        guard let signature = request.head.headers["X-Twilio-Signature"], !signature.isEmpty else {
            return .missingSignature
        }
        // Everything below costs time in proportion to the request; a header that cannot be a
        // signature is refused before any of it.
        guard Self.isWellFormed(signature) else { return .malformedSignature }
        let query = request.head.query ?? ""
        if query.utf8.count >= 10, query.contains("bodySHA256"),
           let claimed = HTTPForm.decode(query).first(where: { $0.0 == "bodySHA256" })?.1 {
            // twilio-python: a body hash in the query means a JSON body; params are not signed.
            let actual = TwilioSignature.bodySHA256(request.body)
            guard TwilioSignature.constantTimeEqual(Array(actual.utf8), Array(claimed.utf8)) else {
                return .bodyHashMismatch
            }
            return check(urls: urls, params: [], signature: signature)
        }
        var params: [(String, String)] = []
        let contentType = (request.head.headers["Content-Type"] ?? "").lowercased()
        if request.head.method == "POST", contentType.hasPrefix("application/x-www-form-urlencoded") {
            guard Self.formIsWithinLimits(request.body) else { return .formTooLarge }
            params = HTTPForm.decode(request.body)
        }
        return check(urls: urls, params: params, signature: signature)
    }

    /// Checks a signature over one of `urls` (each with its port variants) and `params`. The
    /// parameters are sorted and joined once; each URL variant then costs one HMAC.
    public func check(urls: [String], params: [(String, String)], signature: String) -> Failure? {
        guard Self.isWellFormed(signature) else { return .malformedSignature }
        let given = Array(signature.utf8)
        let signedParams = TwilioSignature.sortedParameterBytes(params)
        let key = Array(authToken.utf8)
        var matched = false
        // Every candidate is computed, so the time taken does not tell which one matched.
        for url in urls {
            for variant in TwilioSignature.urlVariants(url) {
                let expected = TwilioSignature.compute(message: Array(variant.utf8) + signedParams, key: key)
                if TwilioSignature.constantTimeEqual(Array(expected.utf8), given) { matched = true }
            }
        }
        return matched ? nil : .mismatch
    }

    /// Whether `signature` can be a base64 HMAC-SHA1: 27 base64 characters and one `=`.
    public static func isWellFormed(_ signature: String) -> Bool {
        let bytes = signature.utf8
        guard bytes.count == 28, bytes.last == UInt8(ascii: "=") else { return false }
        return bytes.dropLast().allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "/"): return true
            default: return false
            }
        }
    }

    /// Whether a form body is within `maxFormBytes` and `maxFormParameters`, counted on the raw
    /// bytes before anything is decoded.
    public static func formIsWithinLimits(_ body: [UInt8]) -> Bool {
        guard body.count <= maxFormBytes else { return false }
        var separators = 0
        for byte in body where byte == UInt8(ascii: "&") { separators += 1 }
        return separators < maxFormParameters
    }
}
