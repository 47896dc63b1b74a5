import Net

/// Where and how to open a Realtime session: the WebSocket URL, the handshake headers and the
/// dialect the other end speaks (PROTOCOLS.md §2, §3).
public struct RealtimeEndpoint: Sendable {
    /// `"openai"`, `"azure"` or `"local"`.
    public var provider: String
    /// The WebSocket URL (`wss://…`, `ws://…` for a loopback server, `local://parrot` for the
    /// built-in provider, which needs no socket).
    public var url: String
    /// Headers for the upgrade request, in order.
    public var headers: [(String, String)]
    /// The event dialect of this endpoint.
    public var dialect: RealtimeDialect
    /// The model (OpenAI) or deployment (Azure) name, for logs.
    public var model: String
    /// Which voice API the endpoint serves: the Realtime API (`dialect` says which shape) or
    /// GPT-Live (`/live/sessions`, the `Live` module's events).
    public var api = VoiceAPI.realtime
    /// The local parrot's scripted function calls, by key (`LOCAL_TOOL_CALLS`); empty elsewhere.
    public var localToolCalls: [String: LocalToolCall] = [:]
    /// The HTTP proxy whose CONNECT tunnel carries the socket (`HTTPS_PROXY`), if any.
    public var proxy: HTTPProxy?

    /// The `api-version` of the URL (Azure's preview interface), nil when it has none.
    public var apiVersion: String? {
        guard let range = url.range(of: "api-version=") else { return nil }
        return String(url[range.upperBound...].prefix { $0 != "&" })
    }

    /// `provider host/model`, e.g. `azure myres.openai.azure.com/gpt-realtime`: how logs and
    /// `voice-bridge check` name this endpoint (no secrets).
    public var label: String {
        guard provider != "local" else { return "local parrot" }
        var rest = Substring(url)
        if let separator = rest.range(of: "://") { rest = rest[separator.upperBound...] }
        let host = rest.prefix { $0 != "/" && $0 != "?" }
        return "\(provider) \(host)/\(model)" + (api == .live ? " (live)" : "")
    }

    /// The same endpoint authenticated with an Entra ID token (`Authorization: Bearer`) instead
    /// of an `api-key` (Azure managed identity, PROTOCOLS.md §3).
    public func authorized(bearer token: String) -> RealtimeEndpoint {
        var copy = self
        copy.headers = headers.filter { $0.0.lowercased() != "api-key" && $0.0.lowercased() != "authorization" }
        copy.headers.insert(("Authorization", "Bearer " + token), at: 0)
        return copy
    }

    /// An endpoint with the given parts.
    public init(provider: String, url: String, headers: [(String, String)], dialect: RealtimeDialect, model: String) {
        self.provider = provider
        self.url = url
        self.headers = headers
        self.dialect = dialect
        self.model = model
    }

    /// OpenAI's GA endpoint, or any server that speaks its protocol.
    ///
    /// `https://api.openai.com/v1` becomes `wss://api.openai.com/v1/realtime?model=…`: `https`
    /// maps to `wss` and `http` to `ws` (a loopback test server); host, port and path prefix are
    /// kept; a base without a scheme is taken as `https`. The model is percent-encoded.
    /// Header `Authorization: Bearer <apiKey>`; no `OpenAI-Beta` header (GA refuses beta shapes).
    public static func openAI(apiKey: String, baseURL: String = "https://api.openai.com/v1", model: String) -> RealtimeEndpoint {
        RealtimeEndpoint(
            provider: "openai",
            url: socketBase(baseURL) + "/realtime?model=" + percentEncoded(model),
            headers: [("Authorization", "Bearer " + apiKey)],
            dialect: .ga,
            model: model
        )
    }

    /// OpenAI's GPT-Live endpoint (GPT-LIVE.md §2): `<base>/live/sessions`, no query, no model in
    /// the URL (it goes in `session.start`), `Authorization: Bearer <apiKey>`, no beta header.
    public static func openAILive(apiKey: String, baseURL: String = "https://api.openai.com/v1", model: String) -> RealtimeEndpoint {
        var endpoint = RealtimeEndpoint(provider: "openai", url: socketBase(baseURL) + "/live/sessions",
                                        headers: [("Authorization", "Bearer " + apiKey)], dialect: .ga, model: model)
        endpoint.api = .live
        return endpoint
    }

    /// Azure Foundry's GPT-Live endpoint: `wss://E/openai/v1/live/sessions` (the v1 path, no
    /// `api-version`), `deployment` named in `session.start`. Key auth sends `api-key: <key>`,
    /// which a third-party live test found the WebSocket needs (GPT-LIVE.md §2, open question
    /// 3); managed identity switches to `Authorization: Bearer` (`authorized(bearer:)`), as
    /// Azure's how-to shows.
    public static func azureLive(endpoint: String, deployment: String, apiKey: String) -> RealtimeEndpoint {
        var live = RealtimeEndpoint(provider: "azure", url: "wss://" + endpoint + "/openai/v1/live/sessions",
                                    headers: [("api-key", apiKey)], dialect: .ga, model: deployment)
        live.api = .live
        return live
    }

    /// A REST base URL as a WebSocket base: `https` maps to `wss` and `http` to `ws` (a loopback
    /// test server); host, port and path prefix are kept, the query and trailing slashes dropped;
    /// a base without a scheme is taken as `https`.
    static func socketBase(_ baseURL: String) -> String {
        var scheme = "https"
        var rest = Substring(baseURL)
        if let separator = baseURL.firstRange(of: "://") {
            scheme = baseURL[..<separator.lowerBound].lowercased()
            rest = baseURL[separator.upperBound...]
        }
        rest = rest.prefix { $0 != "?" && $0 != "#" }
        while rest.hasSuffix("/") { rest = rest.dropLast() }
        return ((scheme == "http" || scheme == "ws") ? "ws" : "wss") + "://" + rest
    }

    /// An Azure OpenAI realtime deployment.
    ///
    /// - Parameters:
    ///   - endpoint: `host[:port]`, already normalised (e.g. `myres.openai.azure.com`).
    ///   - apiVersion: `nil` for the GA URL `wss://E/openai/v1/realtime?model=D` (GA events; an
    ///     `api-version` there gives 401). A version such as `2025-04-01-preview` selects the
    ///     preview URL `wss://E/openai/realtime?api-version=V&deployment=D` with
    ///     `OpenAI-Beta: realtime=v1` and beta events.
    /// Header `api-key: <apiKey>` in both cases.
    public static func azure(endpoint: String, deployment: String, apiKey: String, apiVersion: String?) -> RealtimeEndpoint {
        guard let apiVersion else {
            return RealtimeEndpoint(
                provider: "azure",
                url: "wss://" + endpoint + "/openai/v1/realtime?model=" + percentEncoded(deployment),
                headers: [("api-key", apiKey)],
                dialect: .ga,
                model: deployment
            )
        }
        return RealtimeEndpoint(
            provider: "azure",
            url: "wss://" + endpoint + "/openai/realtime?api-version=" + percentEncoded(apiVersion)
                + "&deployment=" + percentEncoded(deployment),
            headers: [("api-key", apiKey), ("OpenAI-Beta", "realtime=v1")],
            dialect: .beta,
            model: deployment
        )
    }

    /// The built-in parrot in GPT-Live's protocol (`LiveLocalProvider`): no keys, no network.
    public static let localLive: RealtimeEndpoint = {
        var endpoint = RealtimeEndpoint(provider: "local", url: "local://parrot", headers: [], dialect: .ga, model: "parrot")
        endpoint.api = .live
        return endpoint
    }()

    /// The built-in parrot (`RealtimeLocalProvider`): no keys, no network, GA events.
    public static let local = RealtimeEndpoint(
        provider: "local", url: "local://parrot", headers: [], dialect: .ga, model: "parrot")

    /// RFC 3986 §2: everything but the unreserved characters becomes `%XX` of its UTF-8 bytes.
    static func percentEncoded(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count)
        let hexDigits = Array("0123456789ABCDEF")
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                output.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                output += "%"
                output.append(hexDigits[Int(byte >> 4)])
                output.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return output
    }
}

/// Which event vocabulary and session shape a Realtime endpoint speaks (PROTOCOLS.md §2, §3).
///
/// Both dialects share the socket, the client events for audio, truncation and tool results,
/// and most server events; they differ in the `session.update` shape and in the names of the
/// audio output events (`response.output_audio.delta` vs `response.audio.delta`).
public enum RealtimeDialect: Equatable, Sendable {
    /// The GA interface: api.openai.com, Azure `/openai/v1/realtime`, the local parrot.
    case ga
    /// The beta interface: Azure preview `api-version` URLs, with `OpenAI-Beta: realtime=v1`.
    case beta
}

/// The voice API a target serves (`VOICE_API`): OpenAI's Realtime API (`/realtime`, both
/// dialects) or GPT-Live (`/live/sessions`), which OpenAI and Azure now offer beside it.
public enum VoiceAPI: String, Equatable, Sendable {
    case realtime
    case live
}
