/// Where and how to open a GPT-Live primary WebSocket: the URL and the handshake headers
/// (GPT-LIVE.md §2). The model goes in `session.start`, never in the URL, and there is no
/// `OpenAI-Beta` header.
public struct LiveEndpoint: Sendable {
    /// `"openai"` or `"azure"`.
    public var provider: String
    /// The WebSocket URL, `wss://…/live/sessions`, without a query.
    public var url: String
    /// Headers for the upgrade request, in order.
    public var headers: [(String, String)]

    /// An endpoint with the given parts.
    public init(provider: String, url: String, headers: [(String, String)]) {
        self.provider = provider
        self.url = url
        self.headers = headers
    }

    /// `provider host`, e.g. `azure myres.openai.azure.com`: how logs name this endpoint (no secrets).
    public var label: String {
        var rest = Substring(url)
        if let separator = rest.firstRange(of: "://") { rest = rest[separator.upperBound...] }
        return "\(provider) \(rest.prefix { $0 != "/" && $0 != "?" })"
    }

    /// OpenAI: `wss://api.openai.com/v1/live/sessions` with `Authorization: Bearer <apiKey>`.
    ///
    /// `baseURL` is the REST base (`https://api.openai.com/v1`): `https` maps to `wss` and `http`
    /// to `ws` (a loopback test server); host, port and path prefix are kept; a base without a
    /// scheme is taken as `https`.
    public static func openAI(apiKey: String, baseURL: String = "https://api.openai.com/v1") -> LiveEndpoint {
        var scheme = "https"
        var rest = Substring(baseURL)
        if let separator = baseURL.firstRange(of: "://") {
            scheme = baseURL[..<separator.lowerBound].lowercased()
            rest = baseURL[separator.upperBound...]
        }
        rest = rest.prefix { $0 != "?" && $0 != "#" }
        while rest.hasSuffix("/") { rest = rest.dropLast() }
        let socketScheme = (scheme == "http" || scheme == "ws") ? "ws" : "wss"
        return LiveEndpoint(provider: "openai", url: socketScheme + "://" + rest + "/live/sessions",
                            headers: [("Authorization", "Bearer " + apiKey)])
    }

    /// Azure Foundry: `wss://<host>/openai/v1/live/sessions` (the v1 path: no `api-version`).
    ///
    /// - Parameters:
    ///   - host: the resource's `host[:port]` (see `azureHost(_:)` to normalise
    ///     `AZURE_OPENAI_ENDPOINT`).
    ///   - apiKey: sent as `api-key: <key>`, which a third-party live test found the WebSocket
    ///     needs for key auth (GPT-LIVE.md §2, open question 3); `authorized(bearer:)` switches to
    ///     an Entra ID token.
    public static func azure(host: String, apiKey: String) -> LiveEndpoint {
        LiveEndpoint(provider: "azure", url: "wss://" + host + "/openai/v1/live/sessions", headers: [("api-key", apiKey)])
    }

    /// Azure Foundry with an Entra ID token (scope `https://ai.azure.com/.default`):
    /// `Authorization: Bearer <token>`, as Azure's how-to shows.
    public static func azure(host: String, bearerToken: String) -> LiveEndpoint {
        azure(host: host, apiKey: "").authorized(bearer: bearerToken)
    }

    /// The same endpoint authenticated with `Authorization: Bearer <token>` instead of any
    /// `api-key` or earlier `Authorization` header.
    public func authorized(bearer token: String) -> LiveEndpoint {
        var copy = self
        copy.headers = headers.filter { $0.0.lowercased() != "api-key" && $0.0.lowercased() != "authorization" }
        copy.headers.insert(("Authorization", "Bearer " + token), at: 0)
        return copy
    }

    /// `AZURE_OPENAI_ENDPOINT` as `host[:port]`: `myres.openai.azure.com`,
    /// `https://myres.openai.azure.com/` and `wss://myres.openai.azure.com` all give
    /// `myres.openai.azure.com`. Nil for what cannot be the resource address: an empty host, a
    /// plain-text scheme (`http`, `ws`: Azure is reached over TLS) or another scheme, a path, a
    /// query or a fragment (the bridge adds `/openai/v1/live/sessions` itself).
    public static func azureHost(_ endpoint: String) -> String? {
        var rest = Substring(endpoint)
        while let first = rest.first, first == " " || first == "\t" { rest = rest.dropFirst() }
        while let last = rest.last, last == " " || last == "\t" { rest = rest.dropLast() }
        if let separator = rest.firstRange(of: "://") {
            let scheme = rest[..<separator.lowerBound].lowercased()
            guard scheme == "https" || scheme == "wss" else { return nil }
            rest = rest[separator.upperBound...]
        }
        while rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.isEmpty, !rest.contains(where: { "/?#@ ".contains($0) }) else { return nil }
        return String(rest)
    }
}
