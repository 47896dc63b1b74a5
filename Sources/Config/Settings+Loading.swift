import JSON
import Logging
extension Settings {
    /// Reads and validates every setting from `env`.
    ///
    /// Values are trimmed, and an empty value counts as unset, except `GREETING` where empty
    /// means "do not greet". `fileReader` reads `config/instructions.md` (tests inject one).
    /// The first invalid or missing variable throws a `ConfigError` naming it.
    public static func load(from env: Environment,
                            fileReader: (String) -> String? = Settings.readFile) throws -> Settings {
        let value = { (name: String) -> String? in
            guard let raw = env[name]?.trimmingWhitespace(), !raw.isEmpty else { return nil }
            return raw
        }

        let useAzure = try value("USE_AZURE_OPENAI").map { try parseBool($0, variable: "USE_AZURE_OPENAI") } ?? false
        let openAIAPIKey = value("OPENAI_API_KEY")
        let provider: ProviderChoice = useAzure ? .azure : (openAIAPIKey != nil ? .openAI : .local)

        // Deployments, endpoints, keys, auth, failover and proxy: see ProviderSettings.
        let providers = try ProviderSettings.load(from: value, useAzure: useAzure, openAIAPIKey: openAIAPIKey)
        let firstTarget = providers.azureTargets.first
        let azureAPIKey = firstTarget?.apiKey ?? value("AZURE_OPENAI_API_KEY")
        let azureEndpoint = try firstTarget?.endpoint ?? value("AZURE_OPENAI_ENDPOINT").map { try parseAzureEndpoint($0) }
        let azureDeployment = firstTarget?.deployment ?? value("AZURE_OPENAI_DEPLOYMENT")

        let publicHost = try value("PUBLIC_URL").map(parsePublicURL)
        let publicURLScheme = try value("PUBLIC_URL").flatMap { try AddressParts.parse($0).scheme }
        let tlsCertFile = value("TLS_CERT_FILE")
        let tlsKeyFile = value("TLS_KEY_FILE")
        if (tlsCertFile == nil) != (tlsKeyFile == nil) {
            let (set, missing) = tlsCertFile == nil ? ("TLS_KEY_FILE", "TLS_CERT_FILE") : ("TLS_CERT_FILE", "TLS_KEY_FILE")
            throw ConfigError(variable: missing, message: "\(set) is set but \(missing) is not — "
                + "set both (PEM certificate chain and private key) to serve TLS, or neither to serve plain HTTP")
        }

        let tavilyAPIKey = value("TAVILY_API_KEY")
        let twilioAuthToken = value("TWILIO_AUTH_TOKEN")
        let bridgeSecret = value("BRIDGE_SECRET")
        if let bridgeSecret, bridgeSecret.utf8.count < 16 {
            throw ConfigError(variable: "BRIDGE_SECRET", message: "is \(bridgeSecret.utf8.count) bytes long; use at least 16 random bytes "
                + "(e.g. `openssl rand -hex 32`), the same on every replica, or unset it to derive the stream-token key from TWILIO_AUTH_TOKEN")
        }
        let twilioSignatures = try signaturePolicy(token: twilioAuthToken, provider: provider,
                                                   explicit: value("TWILIO_VALIDATE_SIGNATURES"))
        let instructions = value("INSTRUCTIONS")
            ?? fileReader(instructionsPath).map { $0.trimmingWhitespace() }.flatMap { $0.isEmpty ? nil : $0 }
            ?? defaultInstructions

        var settings = Settings(
            provider: provider,
            useAzure: useAzure,
            openAIAPIKey: openAIAPIKey,
            openAIRealtimeModel: value("OPENAI_REALTIME_MODEL") ?? Settings.defaultRealtimeModel,
            openAIBaseURL: try parseOpenAIBaseURL(value("OPENAI_BASE_URL") ?? "https://api.openai.com/v1"),
            azureAPIKey: azureAPIKey,
            azureEndpoint: azureEndpoint,
            azureDeployment: azureDeployment,
            azureAPIVersion: value("AZURE_API_VERSION") ?? value("AZURE_OPENAI_API_VERSION"),
            publicURL: publicHost,
            publicHost: publicHost,
            publicURLScheme: publicURLScheme,
            port: try value("PORT").map(parsePort) ?? 5050,
            voice: value("VOICE"),
            instructions: instructions,
            greeting: env["GREETING"].map { $0.trimmingWhitespace() } ?? defaultGreeting,
            logLevel: try value("LOG_LEVEL").map(parseLogLevel) ?? .info,
            logFormat: try value("LOG_FORMAT").map(parseLogFormat) ?? .logfmt,
            tavilyAPIKey: tavilyAPIKey,
            twilioAuthToken: twilioAuthToken,
            twilioSignatures: twilioSignatures,
            maxCalls: try value("MAX_CALLS").map { try parseCount($0, variable: "MAX_CALLS", range: 1...100_000) },
            drainTimeoutSeconds: try value("DRAIN_TIMEOUT").map { try parseDuration($0, variable: "DRAIN_TIMEOUT") } ?? 600,
            maxBufferedAudioSeconds: try value("MAX_BUFFERED_AUDIO_SECONDS").map {
                try parseCount($0, variable: "MAX_BUFFERED_AUDIO_SECONDS", range: 1...240)
            } ?? 60,
            tlsCertFile: tlsCertFile,
            tlsKeyFile: tlsKeyFile,
            providers: providers,
            secrets: [openAIAPIKey, azureAPIKey, tavilyAPIKey, twilioAuthToken, bridgeSecret].compactMap { $0 } + providers.secrets)
        settings.bridgeSecret = bridgeSecret
        if let text = value("LOOP_TICK_US") {
            guard text.allSatisfy(\.isASCIIDigitCharacter), let us = Int(text), (0...1_000).contains(us) else {
                throw ConfigError(variable: "LOOP_TICK_US", message: "'\(text)' is not a whole number of microseconds from 0 to 1000 — "
                    + "use \(defaultLoopTickUs) (default: under load the loop wakes at most every \(defaultLoopTickUs) µs), "
                    + "or 0 to wake for every event (lowest delay, most CPU)")
            }
            settings.loopTickUs = us
        }
        settings.tavilyBaseURL = try parseAPIBaseURL(value("TAVILY_BASE_URL") ?? "https://api.tavily.com",
                                                     variable: "TAVILY_BASE_URL", example: "https://api.tavily.com")
        settings.tavilyTimeoutMs = try value("TAVILY_TIMEOUT_MS").map {
            try parseMilliseconds($0, variable: "TAVILY_TIMEOUT_MS", range: 100...120_000)
        } ?? 8_000
        settings.live = try LiveSettings.load(from: value, tavily: tavilyAPIKey != nil)
        if let dir = value("AGENTS_DIR") { settings.agentsDir = dir }
        if let text = value("LOCAL_TOOL_CALLS") { settings.localToolCalls = try parseLocalToolCalls(text) }
        try loadOperationsPort(&settings, value: value)
        if let password = value("CONSOLE_PASSWORD") {
            guard password.count >= 12 else {
                throw ConfigError(variable: "CONSOLE_PASSWORD", message: "is \(password.count) characters long; use at least 12 "
                    + "(e.g. `openssl rand -base64 18`), or unset it")
            }
            settings.consolePassword = password
            settings.secrets.append(password)
        }
        settings.consoleEnabled = try value("CONSOLE").map { try parseBool($0, variable: "CONSOLE") } ?? true
        if let text = value("EVENT_LOOPS"), text.lowercased() != "auto" {
            settings.eventLoops = try parseCount(text, variable: "EVENT_LOOPS", range: 1...256)
        }
        if let text = value("EVENT_LOOP_FILL") {
            settings.eventLoopFill = try parseCount(text, variable: "EVENT_LOOP_FILL", range: 1...100_000)
        }
        return settings
    }

    // MARK: - One parser per kind of value

    /// `1=lookup:{"id":"7"}|9=hang_up:{}`: a key (0-9, *, #), a tool name, a JSON object.
    static func parseLocalToolCalls(_ text: String) throws -> [(key: String, name: String, arguments: String)] {
        let variable = "LOCAL_TOOL_CALLS"
        return try text.split(separator: "|").map { entry in
            let parts = entry.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[0].count == 1, "0123456789*#".contains(parts[0]),
                  let colon = parts[1].firstIndex(of: ":") else {
                throw ConfigError(variable: variable, message: "'\(entry)' is not KEY=TOOL:{JSON} — e.g. 1=lookup_appointment:{\"patient\":\"Ada\"}|9=hang_up:{}")
            }
            let name = String(parts[1][..<colon]), arguments = String(parts[1][parts[1].index(after: colon)...])
            guard (try? JSON.parse(arguments))?.objectValue != nil, !name.isEmpty else {
                throw ConfigError(variable: variable, message: "'\(entry)': the arguments after the tool name must be a JSON object")
            }
            return (String(parts[0]), name, arguments)
        }
    }

    /// true/false, 1/0, yes/no, on/off, in any case.
    static func parseBool(_ text: String, variable: String) throws -> Bool {
        switch text.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default:
            throw ConfigError(variable: variable, message: "'\(text)' is not a boolean — use true or false")
        }
    }

    static func parsePort(_ text: String) throws -> Int {
        guard text.allSatisfy(\.isASCIIDigitCharacter), let port = Int(text), (0...65535).contains(port) else {
            throw ConfigError(variable: "PORT", message: "'\(text)' is not a port number — "
                + "use an integer from 1 to 65535, or 0 for any free port")
        }
        return port
    }

    /// The signature policy from the token, the provider and `TWILIO_VALIDATE_SIGNATURES`.
    static func signaturePolicy(token: String?, provider: ProviderChoice, explicit: String?) throws -> TwilioSignaturePolicy {
        let variable = "TWILIO_VALIDATE_SIGNATURES"
        switch try explicit.map({ try parseBool($0, variable: variable) }) {
        case false?:
            return .disabledExplicitly
        case true?:
            guard token != nil else {
                throw ConfigError(variable: "TWILIO_AUTH_TOKEN", message: "\(variable)=true but TWILIO_AUTH_TOKEN is not set — "
                    + "set it to your Twilio account's Auth Token (Twilio console → Account info)")
            }
            return .validate
        case nil:
            if token != nil { return .validate }
            if provider == .local { return .disabledForLocalProvider }
            throw ConfigError(variable: "TWILIO_AUTH_TOKEN", message: "not set, so the bridge cannot tell Twilio's "
                + "requests from anyone else's — set it to your Twilio account's Auth Token (Twilio console → "
                + "Account info), or set \(variable)=false to accept unsigned requests (development only)")
        }
    }

    /// A whole number in `range`.
    static func parseCount(_ text: String, variable: String, range: ClosedRange<Int>) throws -> Int {
        guard text.allSatisfy(\.isASCIIDigitCharacter), let count = Int(text), range.contains(count) else {
            throw ConfigError(variable: variable, message: "'\(text)' is not a whole number from "
                + "\(range.lowerBound) to \(range.upperBound)")
        }
        return count
    }

    /// Seconds from `600`, `600s`, `10m` or `1h`, at most a day.
    static func parseDuration(_ text: String, variable: String) throws -> Int {
        let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600]
        var digits = Substring(text.lowercased())
        var unit = 1
        if let last = digits.last, let scale = units[last] {
            unit = scale
            digits = digits.dropLast()
        }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigitCharacter), let number = Int(digits),
              number <= 86_400 / unit else {
            throw ConfigError(variable: variable, message: "'\(text)' is not a duration — write seconds (600), "
                + "or a number with s, m or h (90s, 10m, 1h), at most 24h")
        }
        return number * unit
    }

    static func parseLogLevel(_ text: String) throws -> LogLevel {
        guard let level = LogLevel(name: text) else {
            throw ConfigError(variable: "LOG_LEVEL", message: "'\(text)' is not a log level — use debug, info, warning or error")
        }
        return level
    }

    static func parseLogFormat(_ text: String) throws -> LogFormat {
        guard let format = LogFormat(name: text) else {
            throw ConfigError(variable: "LOG_FORMAT", message: "'\(text)' is not a log format — use logfmt or json")
        }
        return format
    }

    /// `https://host[:port][/path]` without trailing `/`; `http://` only for a loopback host.
    static func parseOpenAIBaseURL(_ text: String) throws -> String {
        try parseAPIBaseURL(text, variable: "OPENAI_BASE_URL", example: "https://api.openai.com/v1")
    }

    /// A whole number of milliseconds within `range`.
    static func parseMilliseconds(_ text: String, variable: String, range: ClosedRange<Int>) throws -> Int {
        guard text.allSatisfy(\.isASCIIDigitCharacter), let value = Int(text), range.contains(value) else {
            throw ConfigError(variable: variable, message: "'\(text)' is not a duration in milliseconds — "
                + "use a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// An API base URL: `https://host[:port][/path]` without trailing `/`; `http://` only for a
    /// loopback host, because the API key would otherwise cross the network in clear.
    public static func parseAPIBaseURL(_ text: String, variable: String, example: String) throws -> String {
        let parts = try address(text, variable: variable, example: example)
        switch parts.scheme {
        case "https":
            break
        case "http" where parts.isLoopback:
            break
        case "http":
            throw ConfigError(variable: variable, message: "'\(text)' uses http:// to a remote host, which would send "
                + "the API key in clear — use https:// (http:// is accepted only for localhost, 127.0.0.1 and [::1])")
        default:
            throw ConfigError(variable: variable, message: "'\(text)' must start with https:// — "
                + "for example \(example)")
        }
        guard parts.query == nil else {
            throw ConfigError(variable: variable, message: "'\(text)' has a query string or fragment — remove it")
        }
        var path = parts.path
        while path.hasSuffix("/") { path.removeLast() }
        return "\(parts.scheme!)://\(parts.hostAndPort)\(path)"
    }

    /// `name.openai.azure.com`, `https://name.openai.azure.com/`, `host:port` → `host[:port]`.
    static func parseAzureEndpoint(_ text: String, variable: String = "AZURE_OPENAI_ENDPOINT") throws -> String {
        let parts = try address(text, variable: variable, example: "https://NAME.openai.azure.com")
        switch parts.scheme {
        case nil, "https", "wss":
            break
        case "http", "ws":
            throw ConfigError(variable: variable, message: "'\(text)' uses \(parts.scheme!)://, but Azure OpenAI "
                + "is reached over TLS — use https://\(parts.hostAndPort)")
        default:
            throw ConfigError(variable: variable, message: "'\(text)' has the scheme \(parts.scheme!)://; "
                + "use https://\(parts.hostAndPort)")
        }
        guard parts.query == nil, parts.path.isEmpty || parts.path == "/" else {
            throw ConfigError(variable: variable, message: "'\(text)' has a path or query, but only the resource "
                + "address is wanted — set https://\(parts.hostAndPort) (the bridge adds /openai/...), the deployment "
                + "in AZURE_OPENAI_DEPLOYMENT and any api-version in AZURE_API_VERSION")
        }
        return parts.hostAndPort
    }

    /// `abc.ngrok.app`, `https://abc.ngrok.app/`, `wss://abc.ngrok.app:8443` → `host[:port]`.
    static func parsePublicURL(_ text: String) throws -> String {
        let variable = "PUBLIC_URL"
        let parts = try address(text, variable: variable, example: "https://abc.ngrok.app")
        // Twilio needs wss:// and https:// anyway; the scheme written here only tells us the host.
        guard [nil, "http", "https", "ws", "wss"].contains(parts.scheme) else {
            throw ConfigError(variable: variable, message: "'\(text)' has the scheme \(parts.scheme!)://; "
                + "write the public host, like https://abc.ngrok.app")
        }
        guard parts.query == nil, parts.path.isEmpty || parts.path == "/" else {
            throw ConfigError(variable: variable, message: "'\(text)' has a path or query, but only the public "
                + "host is wanted — set it to https://\(parts.hostAndPort); the bridge adds its own paths")
        }
        return parts.hostAndPort
    }

    private static func address(_ text: String, variable: String, example: String) throws -> AddressParts {
        do {
            return try AddressParts.parse(text)
        } catch let problem as AddressProblem {
            throw ConfigError(variable: variable, message: "'\(text)' is not a valid address: \(problem.reason) — "
                + "write it like \(example)")
        }
    }
}
