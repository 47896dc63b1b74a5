import Glibc
import Config
import JSON
import Net

/// Entra ID tokens for Azure OpenAI from the machine's managed identity
/// (`AZURE_OPENAI_AUTH=managed-identity`), for the scope `https://cognitiveservices.azure.com/.default`.
///
/// Asks the instance metadata endpoint (`GET …/metadata/identity/oauth2/token?api-version=2018-02-01
/// &resource=…` with `Metadata: true`), or App Service's `IDENTITY_ENDPOINT` (api-version
/// 2019-08-01 with `X-IDENTITY-HEADER`) when it is set. The token is cached until shortly before
/// it expires; callers asking while a request is out share its answer. Confined to one loop.
public final class AzureTokenSource {
    /// A plain HTTP GET: the URL, headers, and a completion with the status and body, or a
    /// transport error in words. Served by libcurl (`Tools.HTTPClient`) in the daemon.
    public typealias Fetch = (_ url: String, _ headers: [(String, String)],
                              _ completion: @escaping (Result<(status: Int, body: [UInt8]), TokenError>) -> Void) -> Void

    /// Why no token could be had, with what to check.
    public struct TokenError: Error, CustomStringConvertible, Equatable {
        /// What failed and the fix.
        public let message: String
        /// Creates an error.
        public init(_ message: String) { self.message = message }
        public var description: String { message }
    }

    private let identity: ProviderSettings.Identity
    private let fetch: Fetch
    private var cached: (token: String, refreshAtMs: Int64)?
    private var waiting: [(Result<String, TokenError>) -> Void] = []
    /// Tokens are renewed this long before they expire (or at half their life, if shorter).
    public var refreshMarginMs: Int64 = 300_000

    /// A source for `identity`, fetching with `fetch`.
    public init(identity: ProviderSettings.Identity, fetch: @escaping Fetch) {
        self.identity = identity
        self.fetch = fetch
    }

    /// Where the token comes from, for logs: `IMDS <url>` or `App Service <url>`.
    public var sourceDescription: String {
        identity.appServiceEndpoint.map { "App Service identity endpoint \($0)" } ?? "instance metadata endpoint \(identity.imdsURL)"
    }

    /// A valid token: the cached one, or a fresh one. `completion` runs once, on the loop.
    public func token(nowMs: Int64, _ completion: @escaping (Result<String, TokenError>) -> Void) {
        if let cached, nowMs < cached.refreshAtMs {
            completion(.success(cached.token))
            return
        }
        waiting.append(completion)
        guard waiting.count == 1 else { return }  // a request is already out
        let (url, headers) = request()
        let askedAtMs = nowMs
        fetch(url, headers) { [weak self] result in
            guard let self else { return }
            let outcome = result.flatMap { self.parse(status: $0.status, body: $0.body, askedAtMs: askedAtMs) }
            let callers = self.waiting
            self.waiting = []
            for caller in callers { caller(outcome) }
        }
    }

    /// Forgets the cached token (e.g. after the provider refused it with 401).
    public func invalidate() { cached = nil }

    /// The request for the configured source.
    func request() -> (url: String, headers: [(String, String)]) {
        let resource = "resource=" + Self.percentEncoded(ProviderSettings.Identity.resource)
        let client = identity.clientId.map { "&client_id=" + Self.percentEncoded($0) } ?? ""
        if let endpoint = identity.appServiceEndpoint, let header = identity.appServiceHeader {
            let joiner = endpoint.contains("?") ? "&" : "?"
            return (endpoint + joiner + "api-version=2019-08-01&" + resource + client, [("X-IDENTITY-HEADER", header)])
        }
        let joiner = identity.imdsURL.contains("?") ? "&" : "?"
        return (identity.imdsURL + joiner + "api-version=2018-02-01&" + resource + client, [("Metadata", "true")])
    }

    /// Reads `access_token` and its lifetime (`expires_in` seconds, else `expires_on` epoch
    /// seconds — both arrive as JSON strings or numbers).
    func parse(status: Int, body: [UInt8], askedAtMs: Int64) -> Result<String, TokenError> {
        let text = String(decoding: body.prefix(600), as: UTF8.self)
        guard status == 200 else {
            let hint = switch status {
            case 400: "the VM or app may have no managed identity, or AZURE_CLIENT_ID names none of its identities"
            case 403, 401: "the identity endpoint refused the request; check IDENTITY_HEADER"
            case 404: "no identity endpoint there; check AZURE_IDENTITY_ENDPOINT / IDENTITY_ENDPOINT"
            case 429: "the identity endpoint is throttling; retry shortly"
            default: "retry; if it persists, check the identity's assignment in the portal"
            }
            return .failure(TokenError("managed identity token request failed with HTTP \(status): \(text) — \(hint)"))
        }
        guard let json = try? JSON.parse(String(decoding: body, as: UTF8.self)),
              let token = json["access_token"]?.stringValue, !token.isEmpty else {
            return .failure(TokenError("managed identity answer has no access_token: \(text)"))
        }
        func seconds(_ key: String) -> Int64? {
            if let s = json[key]?.stringValue { return Int64(s) }
            return json[key]?.intValue.map(Int64.init)
        }
        var lifetimeMs: Int64 = 3_600_000
        if let expiresIn = seconds("expires_in") {
            lifetimeMs = expiresIn * 1000
        } else if let expiresOn = seconds("expires_on") {
            lifetimeMs = expiresOn * 1000 - Self.wallClockMs()
        }
        let margin = min(refreshMarginMs, max(0, lifetimeMs / 2))
        cached = (token, askedAtMs + max(0, lifetimeMs - margin))
        return .success(token)
    }

    private static func wallClockMs() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }

    /// RFC 3986 unreserved characters stay; everything else becomes `%XX`.
    static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF")
                out += "%" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 15)])
            }
        }
        return out
    }
}

@available(*, unavailable)
extension AzureTokenSource: Sendable {}
