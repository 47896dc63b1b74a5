/// How the bridge reaches the model: the Azure deployments it rotates through, how it
/// authenticates, when it fails over and falls back to OpenAI, and the proxy in between.
/// Loaded by `Settings.load` with the same rules (trimmed values, empty means unset, the first
/// invalid variable throws a `ConfigError` naming it).
public struct ProviderSettings: Sendable, Equatable {
    /// How the bridge authenticates to Azure OpenAI (`AZURE_OPENAI_AUTH`).
    public enum AzureAuth: String, Sendable, Equatable {
        /// Header `api-key` with `AZURE_OPENAI_API_KEY` (or the matching `AZURE_OPENAI_API_KEYS` entry).
        case apiKey = "api-key"
        /// `Authorization: Bearer` with an Entra ID token from the managed identity.
        case managedIdentity = "managed-identity"
    }

    /// One Azure deployment on one resource: a place a call can go.
    public struct AzureTarget: Sendable, Equatable {
        /// The resource, `host[:port]`.
        public var endpoint: String
        /// The deployment's name.
        public var deployment: String
        /// The key for this resource; nil with managed identity.
        public var apiKey: String?

        /// Creates a target.
        public init(endpoint: String, deployment: String, apiKey: String?) {
            self.endpoint = endpoint
            self.deployment = deployment
            self.apiKey = apiKey
        }
    }

    /// Where the managed identity's token comes from.
    public struct Identity: Sendable, Equatable {
        /// The instance metadata token URL (`AZURE_IDENTITY_ENDPOINT` overrides it, e.g. for tests).
        public var imdsURL = "http://169.254.169.254/metadata/identity/oauth2/token"
        /// `AZURE_CLIENT_ID`: a user-assigned identity's client id; nil for the system-assigned one.
        public var clientId: String?
        /// App Service / Functions / Container Apps: `IDENTITY_ENDPOINT`, used instead of IMDS when set.
        public var appServiceEndpoint: String?
        /// `IDENTITY_HEADER`, sent as `X-IDENTITY-HEADER` to `appServiceEndpoint`.
        public var appServiceHeader: String?
        /// The token's audience (PROTOCOLS.md §3).
        public static let resource = "https://cognitiveservices.azure.com"

        /// The defaults (system-assigned identity through IMDS).
        public init() {}
    }

    /// The Azure deployments in rotation order (deployments outer, endpoints inner, so that
    /// consecutive calls alternate resources). Empty unless `USE_AZURE_OPENAI=true`.
    public var azureTargets: [AzureTarget] = []
    /// `AZURE_OPENAI_AUTH`: `api-key` (default) or `managed-identity`.
    public var azureAuth = AzureAuth.apiKey
    /// The managed identity's token source.
    public var identity = Identity()
    /// `PROVIDER_CONNECT_TIMEOUT_MS`: DNS + TCP + TLS + upgrade for one attempt. Default 3000.
    public var connectTimeoutMs = 3_000
    /// `PROVIDER_COOLDOWN_MS`: how long a deployment refused as misconfigured (401/403/404/400)
    /// is skipped while others are available. Default 60000.
    public var cooldownMs = 60_000
    /// `FALLBACK_TO_OPENAI`: when every Azure deployment fails, use OpenAI. Default true when
    /// both Azure and `OPENAI_API_KEY` are configured.
    public var fallbackToOpenAI = false
    /// `PROVIDER_RECONNECT`: when the provider drops mid-call, apologise and reconnect. Default true.
    public var reconnectMidCall = true
    /// `RECONNECT_PROMPT_FILE`: the μ-law prompt played while reconnecting.
    public var reconnectPromptFile = "config/prompts/reconnecting.ulaw"
    /// `HTTPS_PROXY` / `NO_PROXY`, when set.
    public var proxy: ProxySettings?

    /// The defaults: no Azure targets, no proxy.
    public init() {}

    /// Every secret these settings hold (keys, the proxy's credentials), for the log redactor.
    public var secrets: [String] {
        var out = azureTargets.compactMap(\.apiKey)
        if let auth = proxy?.authorization {
            out.append(auth)
            out.append(String(auth.dropFirst("Basic ".count)))
            out += proxy?.passwordForms ?? []
        }
        if let header = identity.appServiceHeader { out.append(header) }
        return out
    }

    /// Reads the provider variables. `useAzure` and `openAIAPIKey` come from `Settings.load`.
    static func load(from value: (String) -> String?, useAzure: Bool, openAIAPIKey: String?) throws -> ProviderSettings {
        var s = ProviderSettings()
        if let auth = value("AZURE_OPENAI_AUTH") {
            guard let parsed = AzureAuth(rawValue: auth.lowercased()) else {
                throw ConfigError(variable: "AZURE_OPENAI_AUTH", message: "'\(auth)' is not an authentication mode — "
                    + "use api-key (default) or managed-identity")
            }
            s.azureAuth = parsed
        }
        if let url = value("AZURE_IDENTITY_ENDPOINT") {
            s.identity.imdsURL = try identityURL(url, variable: "AZURE_IDENTITY_ENDPOINT")
        }
        s.identity.clientId = value("AZURE_CLIENT_ID")
        s.identity.appServiceEndpoint = try value("IDENTITY_ENDPOINT").map { try identityURL($0, variable: "IDENTITY_ENDPOINT") }
        s.identity.appServiceHeader = value("IDENTITY_HEADER")
        if (s.identity.appServiceEndpoint == nil) != (s.identity.appServiceHeader == nil) {
            let (set, missing) = s.identity.appServiceEndpoint == nil ? ("IDENTITY_HEADER", "IDENTITY_ENDPOINT") : ("IDENTITY_ENDPOINT", "IDENTITY_HEADER")
            throw ConfigError(variable: missing, message: "\(set) is set but \(missing) is not — App Service sets both; "
                + "unset both to use the instance metadata endpoint")
        }
        if useAzure { s.azureTargets = try azureTargets(value, auth: s.azureAuth) }

        s.connectTimeoutMs = try milliseconds(value("PROVIDER_CONNECT_TIMEOUT_MS"), "PROVIDER_CONNECT_TIMEOUT_MS",
                                              range: 100...60_000) ?? s.connectTimeoutMs
        s.cooldownMs = try milliseconds(value("PROVIDER_COOLDOWN_MS"), "PROVIDER_COOLDOWN_MS", range: 0...86_400_000) ?? s.cooldownMs
        let fallback = try value("FALLBACK_TO_OPENAI").map { try Settings.parseBool($0, variable: "FALLBACK_TO_OPENAI") }
        if fallback == true && useAzure && openAIAPIKey == nil {
            throw ConfigError(variable: "OPENAI_API_KEY", message: "FALLBACK_TO_OPENAI=true but OPENAI_API_KEY is not set — "
                + "set it to fall back to OpenAI, or set FALLBACK_TO_OPENAI=false")
        }
        s.fallbackToOpenAI = useAzure && openAIAPIKey != nil && (fallback ?? true)
        s.reconnectMidCall = try value("PROVIDER_RECONNECT").map { try Settings.parseBool($0, variable: "PROVIDER_RECONNECT") } ?? true
        s.reconnectPromptFile = value("RECONNECT_PROMPT_FILE") ?? s.reconnectPromptFile
        s.proxy = try ProxySettings.load(from: value)
        return s
    }

    /// The rotation: `AZURE_OPENAI_DEPLOYMENTS` (or the single `AZURE_OPENAI_DEPLOYMENT`) on
    /// `AZURE_OPENAI_ENDPOINTS` (or `AZURE_OPENAI_ENDPOINT`), with matching keys.
    private static func azureTargets(_ value: (String) -> String?, auth: AzureAuth) throws -> [AzureTarget] {
        let endpoints = try list(value, plural: "AZURE_OPENAI_ENDPOINTS", single: "AZURE_OPENAI_ENDPOINT",
                                 fix: "set it to your resource's endpoint, like https://NAME.openai.azure.com (Azure portal → Keys and Endpoint)",
                                 normalize: { try Settings.parseAzureEndpoint($0, variable: $1) })
            .map(\.text)
        let deployments = try list(value, plural: "AZURE_OPENAI_DEPLOYMENTS", single: "AZURE_OPENAI_DEPLOYMENT",
                                   fix: "set it to your realtime deployment's name (Azure portal → Deployments)")

        var keys: [String?] = Array(repeating: nil, count: endpoints.count)
        if auth == .apiKey {
            if let many = value("AZURE_OPENAI_API_KEYS") {
                let split = many.split(separator: ",").map { $0.trimmingWhitespace() }
                guard split.count == endpoints.count, !split.contains(where: \.isEmpty) else {
                    throw ConfigError(variable: "AZURE_OPENAI_API_KEYS", message: "has \(split.count) keys for \(endpoints.count) "
                        + "endpoints — give one key per AZURE_OPENAI_ENDPOINTS entry, in the same order, or one AZURE_OPENAI_API_KEY for all")
                }
                keys = split
            } else if let one = value("AZURE_OPENAI_API_KEY") {
                keys = Array(repeating: one, count: endpoints.count)
            } else {
                throw ConfigError(variable: "AZURE_OPENAI_API_KEY", message: "USE_AZURE_OPENAI=true but AZURE_OPENAI_API_KEY is not set — "
                    + "set it to one of your resource's keys (Azure portal → your resource → Keys and Endpoint), "
                    + "or set AZURE_OPENAI_AUTH=managed-identity")
            }
        }

        var targets: [AzureTarget] = []
        for entry in deployments {
            // `name@host` pins a deployment to one resource (names often differ between regions).
            let pieces = entry.text.split(separator: "@", maxSplits: 1).map { $0.trimmingWhitespace() }
            let name = pieces[0]
            guard !name.isEmpty else {
                throw ConfigError(variable: entry.variable, message: "'\(entry.text)' has no deployment name before '@'")
            }
            var indices = Array(endpoints.indices)
            if pieces.count == 2 {
                let host = try Settings.parseAzureEndpoint(pieces[1], variable: entry.variable)
                guard let index = endpoints.firstIndex(of: host) else {
                    throw ConfigError(variable: entry.variable, message: "'\(entry.text)' names \(host), which is not among "
                        + "the endpoints (\(endpoints.joined(separator: ", "))) — add it to AZURE_OPENAI_ENDPOINTS or fix the name")
                }
                indices = [index]
            }
            for i in indices {
                let target = AzureTarget(endpoint: endpoints[i], deployment: name, apiKey: keys[i])
                if !targets.contains(target) { targets.append(target) }
            }
        }
        return targets
    }

    /// The comma-separated plural variable, else the single one; a missing both is the single
    /// one's error. Both set is fine only when they agree.
    private static func list(_ value: (String) -> String?, plural: String, single: String, fix: String,
                             normalize: (String, String) throws -> String = { text, _ in text }) throws -> [(text: String, variable: String)] {
        let one = try value(single).map { try normalize($0, single) }
        guard let many = value(plural) else {
            guard let one else {
                throw ConfigError(variable: single, message: "USE_AZURE_OPENAI=true but \(single) is not set — \(fix)")
            }
            return [(one, single)]
        }
        let entries = try many.split(separator: ",").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
            .map { try normalize($0, plural) }
        guard !entries.isEmpty else {
            throw ConfigError(variable: plural, message: "is empty — list one or more, separated by commas")
        }
        if let one, !entries.contains(where: { $0 == one || $0.hasPrefix(one + "@") }) {
            throw ConfigError(variable: single, message: "'\(one)' is not in \(plural) (\(many)) — unset \(single), "
                + "or add it to the list")
        }
        return entries.map { ($0, plural) }
    }

    private static func identityURL(_ text: String, variable: String) throws -> String {
        guard text.hasPrefix("http://") || text.hasPrefix("https://") else {
            throw ConfigError(variable: variable, message: "'\(text)' is not an http:// or https:// URL")
        }
        return text
    }

    private static func milliseconds(_ text: String?, _ variable: String, range: ClosedRange<Int>) throws -> Int? {
        guard let text else { return nil }
        guard let v = Int(text), range.contains(v) else {
            throw ConfigError(variable: variable, message: "'\(text)' is not a whole number of milliseconds from \(range.lowerBound) to \(range.upperBound)")
        }
        return v
    }
}
