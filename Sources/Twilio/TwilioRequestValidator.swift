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
        /// The header matched none of the URL variants.
        case mismatch
        /// `bodySHA256` in the URL is not the hash of the body that arrived.
        case bodyHashMismatch

        public var description: String {
            switch self {
            case .missingSignature: return "no X-Twilio-Signature header"
            case .mismatch: return "X-Twilio-Signature does not match"
            case .bodyHashMismatch: return "bodySHA256 does not match the body"
            }
        }
    }

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
        let query = HTTPForm.decode(request.head.query ?? "")
        if let claimed = query.first(where: { $0.0 == "bodySHA256" })?.1 {
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
            params = HTTPForm.decode(String(decoding: request.body, as: UTF8.self))
        }
        return check(urls: urls, params: params, signature: signature)
    }

    /// Checks a signature over one of `urls` (each with its port variants) and `params`.
    public func check(urls: [String], params: [(String, String)], signature: String) -> Failure? {
        let given = Array(signature.utf8)
        var matched = false
        // Every candidate is computed, so the time taken does not tell which one matched.
        for url in urls {
            for variant in TwilioSignature.urlVariants(url) {
                let expected = TwilioSignature.compute(url: variant, params: params, authToken: authToken)
                if TwilioSignature.constantTimeEqual(Array(expected.utf8), given) { matched = true }
            }
        }
        return matched ? nil : .mismatch
    }
}
