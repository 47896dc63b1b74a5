import Logging
import Foundation

/// Which realtime speech provider the bridge talks to.
public enum ProviderChoice: Equatable, Sendable {
    /// OpenAI's Realtime API (`OPENAI_API_KEY` set).
    case openAI
    /// Azure OpenAI (`USE_AZURE_OPENAI=true`).
    case azure
    /// No provider configured: the bridge runs without a model (local testing).
    case local

    /// The name used in logs: `openai`, `azure` or `local`.
    public var name: String {
        switch self {
        case .openAI: return "openai"
        case .azure: return "azure"
        case .local: return "local"
        }
    }
}

/// The bridge's validated configuration, read once at start-up by `load(from:fileReader:)`.
///
/// Every value here has been checked; an invalid or missing variable is a `ConfigError` naming it.
public struct Settings: Sendable {
    /// The provider chosen from `USE_AZURE_OPENAI` and `OPENAI_API_KEY`.
    public var provider: ProviderChoice
    /// `USE_AZURE_OPENAI` as a boolean (true/false/1/0/yes/no/on/off); false when unset.
    public var useAzure: Bool

    /// `OPENAI_API_KEY`, when set and not empty.
    public var openAIAPIKey: String?
    /// `OPENAI_REALTIME_MODEL`; default `gpt-realtime`.
    public var openAIRealtimeModel: String
    /// `OPENAI_BASE_URL` without its trailing `/`; default `https://api.openai.com/v1`.
    /// Always `https://`, or `http://` for a loopback host.
    public var openAIBaseURL: String

    /// `AZURE_OPENAI_API_KEY`, when set and not empty.
    public var azureAPIKey: String?
    /// `AZURE_OPENAI_ENDPOINT` normalised to `host[:port]` (`name.openai.azure.com`).
    public var azureEndpoint: String?
    /// `AZURE_OPENAI_DEPLOYMENT`: the realtime deployment's name.
    public var azureDeployment: String?
    /// `AZURE_API_VERSION` (or its alias `AZURE_OPENAI_API_VERSION`); when set, the bridge speaks the preview (beta) dialect.
    public var azureAPIVersion: String?

    /// `PUBLIC_URL` normalised to `host[:port]`: the address Twilio reaches the bridge at.
    public var publicURL: String?
    /// The same `host[:port]` as `publicURL`, under the name callers building `wss://` and
    /// `https://` URLs read best.
    public var publicHost: String?
    /// The scheme written in `PUBLIC_URL` (`https`, `http`, `wss`, `ws`), or nil when only a host
    /// was written; it tells which URL Twilio signed the webhook for.
    public var publicURLScheme: String?
    /// `PORT` to listen on; default 5050, 0 meaning any free port.
    public var port: Int
    /// `METRICS_PORT`: a second, plain-HTTP listener for `/metrics`, `/healthz` and `/readyz`;
    /// when set, the public port stops serving `/metrics`. Nil keeps everything on `port`.
    public var metricsPort: Int?
    /// `METRICS_HOST`: the address the metrics listener binds; default `0.0.0.0`.
    public var metricsHost = "0.0.0.0"

    /// `AGENTS_DIR`: the agent files (`*.json`); default `config/agents`. None there: the
    /// environment makes the one agent.
    public var agentsDir = "config/agents"
    /// `LOCAL_TOOL_CALLS`: the local parrot calls a tool when the caller presses a key:
    /// `1=lookup_appointment:{"patient":"Ada"}|9=hang_up:{}` (key, name, JSON arguments).
    public var localToolCalls: [(key: String, name: String, arguments: String)] = []
    /// `VOICE_API` and the GPT-Live choices (see `LiveSettings`).
    public var live = LiveSettings()

    /// `VOICE`; nil means the dialect's default voice.
    public var voice: String?
    /// `INSTRUCTIONS`, else `config/instructions.md`, else `Settings.defaultInstructions`.
    public var instructions: String
    /// `GREETING`; unset gives `Settings.defaultGreeting`, set-but-empty means the assistant
    /// waits for the caller to speak first.
    public var greeting: String

    /// `LOG_LEVEL`: debug, info (default), warning (or warn), error.
    public var logLevel: LogLevel
    /// `LOG_FORMAT`: logfmt (default) or json.
    public var logFormat: LogFormat

    /// `TAVILY_API_KEY`; enables the web search tool.
    public var tavilyAPIKey: String?
    /// `TAVILY_BASE_URL` without its trailing `/`; default `https://api.tavily.com`.
    /// Always `https://`, or `http://` for a loopback host.
    public var tavilyBaseURL: String = "https://api.tavily.com"
    /// `TAVILY_TIMEOUT_MS`: deadline for one web search; default 8000.
    public var tavilyTimeoutMs: Int = 8_000
    /// `TWILIO_AUTH_TOKEN`; enables checking `X-Twilio-Signature`.
    public var twilioAuthToken: String?
    /// `BRIDGE_SECRET`: the key of the per-call stream tokens (the same on every replica); unset,
    /// the key is derived from `TWILIO_AUTH_TOKEN`.
    public var bridgeSecret: String?
    /// The secret stream tokens are keyed with: `BRIDGE_SECRET`, else `TWILIO_AUTH_TOKEN`.
    public var streamTokenSecret: String? { bridgeSecret ?? twilioAuthToken }
    /// Whether requests must carry a valid `X-Twilio-Signature`: from `TWILIO_AUTH_TOKEN` and
    /// `TWILIO_VALIDATE_SIGNATURES` (see `TwilioSignaturePolicy`).
    public var twilioSignatures: TwilioSignaturePolicy
    /// `MAX_CALLS`: calls in progress at once; nil means sized for the machine at start.
    public var maxCalls: Int?
    /// `EVENT_LOOPS`: event-loop threads carrying calls, one per core; nil (unset or `auto`)
    /// means the CPUs this process may use (its affinity and its cgroup's quota).
    public var eventLoops: Int?
    /// `EVENT_LOOP_FILL`: calls a loop takes before the next loop is used (default 48: fewer
    /// calls per loop cost more CPU each); 1 spreads calls evenly from the first.
    public var eventLoopFill = 48
    /// `DRAIN_TIMEOUT` in seconds (`600`, `90s`, `10m`, `1h`); default 600. After SIGTERM the
    /// bridge takes no new calls and waits this long for active ones before ending them.
    public var drainTimeoutSeconds: Int
    /// `LOOP_TICK_US`: while readiness events come faster than about two per tick, the event
    /// loop wakes once per tick (microseconds, at most 1000) instead of for every event, which
    /// saves the kernel's sleep and wake-up per message at up to one tick of added delay per
    /// message. 0 turns it off: the loop blocks in `epoll_wait` for every event.
    public var loopTickUs = Settings.defaultLoopTickUs
    /// The default `LOOP_TICK_US` (README "Performance" has the measurements behind it).
    public static let defaultLoopTickUs = 500
    /// `MAX_BUFFERED_AUDIO_SECONDS`: per call and per direction, how much audio may wait to be
    /// sent (the peer is not reading) before the call is ended; default 60.
    public var maxBufferedAudioSeconds: Int
    /// `TLS_CERT_FILE`: PEM certificate chain; set together with `tlsKeyFile`.
    public var tlsCertFile: String?
    /// `TLS_KEY_FILE`: PEM private key; set together with `tlsCertFile`.
    public var tlsKeyFile: String?

    /// Azure deployments and endpoints, auth, failover, fallback, reconnect and proxy.
    public var providers: ProviderSettings

    /// `CONSOLE_PASSWORD`: turns the browser console (`GET /console`) on outside development
    /// mode, behind HTTP Basic with this password (any user name); in development mode the
    /// console is on without it, and asks for it when it is set.
    public var consolePassword: String?
    /// `CONSOLE`: false turns the console off, even in development mode; default true.
    public var consoleEnabled = true

    /// Every secret value configured (API keys, tokens), for `Logger.configure` to redact.
    public var secrets: [String]

    /// `OPENAI_REALTIME_MODEL` when unset: OpenAI's current Realtime model (gpt-realtime shuts
    /// down on 2027-01-20; see config/model-deprecations.json).
    public static let defaultRealtimeModel = "gpt-realtime-2.1"

    /// The greeting spoken when `GREETING` is unset.
    public static let defaultGreeting = "Hello! How can I help you today?"

    /// The instructions used when neither `INSTRUCTIONS` nor `config/instructions.md` gives any.
    public static let defaultInstructions = """
        You are a friendly assistant answering a phone call. Speak briefly: one or two short \
        sentences at a time, because the caller is listening, not reading. Ask one question at a \
        time, and say plainly when you do not know something.
        """

    /// Where instructions are read from when `INSTRUCTIONS` is unset, relative to the working directory.
    public static let instructionsPath = "config/instructions.md"

    /// Reads a UTF-8 text file, or returns nil when it is missing or unreadable.
    public static func readFile(_ path: String) -> String? {
        try? String(contentsOfFile: path, encoding: .utf8)
    }

    /// A redacted view for the start-up log line: no secret values, only whether each is set.
    public func summary() -> [(String, String)] {
        var fields: [(String, String)] = [("provider", provider.name), ("voice_api", live.api.rawValue)]
        switch provider {
        case .openAI:
            fields.append(("model", live.api == .live ? live.openAIModel : openAIRealtimeModel))
            fields.append(("endpoint", (try? AddressParts.parse(openAIBaseURL).hostAndPort) ?? openAIBaseURL))
        case .azure:
            fields.append(("deployment", azureDeployment ?? "unset"))
            fields.append(("endpoint", azureEndpoint ?? "unset"))
            if live.api == .realtime {
                fields.append(("dialect", azureAPIVersion.map { "preview api-version=\($0)" } ?? "ga"))
            }
            fields.append(("azure_targets", String(providers.azureTargets.count)))
            fields.append(("azure_auth", providers.azureAuth.rawValue))
            fields.append(("fallback_openai", providers.fallbackToOpenAI ? "on" : "off"))
        case .local:
            break
        }
        fields += [
            ("port", String(port)),
            ("public_host", publicHost ?? "unset"),
            ("voice", voice ?? "default"),
            ("greeting", greeting.isEmpty ? "off" : "on"),
            ("instructions_chars", String(instructions.count)),
            ("tls", tlsCertFile == nil ? "off" : "on"),
            ("web_search", tavilyAPIKey == nil ? "off" : "on"),
            ("proxy", providers.proxy.map { "\($0.host):\($0.port)" } ?? "off"),
            ("twilio_signatures", twilioSignatures.validates ? "on" : "off"),
            ("max_calls", maxCalls.map(String.init) ?? "auto"),
            ("event_loops", eventLoops.map(String.init) ?? "auto"),
            ("drain_timeout_s", String(drainTimeoutSeconds)),
            ("loop_tick_us", String(loopTickUs)),
        ]
        // Names avoid "key"/"token": the logger redacts fields so named, which would hide set/unset.
        fields += [
            ("openai_credential", openAIAPIKey == nil ? "unset" : "set"),
            ("azure_credential", azureAPIKey == nil ? "unset" : "set"),
            ("tavily_credential", tavilyAPIKey == nil ? "unset" : "set"),
            ("twilio_credential", twilioAuthToken == nil ? "unset" : "set"),
            ("log_level", logLevel.name),
            ("log_format", logFormat.rawValue),
        ]
        return fields
    }
}
