/// Which voice API the bridge speaks (`VOICE_API`), and how it uses GPT-Live when that is the
/// choice (GPT-LIVE.md). Loaded by `Settings.load` with the same rules (trimmed values, empty
/// means unset, the first invalid variable throws a `ConfigError` naming it).
public struct LiveSettings: Sendable, Equatable {
    /// The voice API of every provider target.
    public enum API: String, Sendable, Equatable {
        /// OpenAI's Realtime API (`/v1/realtime`; Azure's GA or preview interface).
        case realtime
        /// GPT-Live (`/v1/live/sessions`; Azure's `/openai/v1/live/sessions`).
        case live
    }

    /// Where `web_search` runs under GPT-Live.
    public enum WebSearch: String, Sendable, Equatable {
        /// Our Tavily tool, as a function the backend calls and the bridge answers.
        case tavily
        /// The service's hosted `web_search` tool: the backend searches by itself.
        case hosted
        /// No web search.
        case off
    }

    /// The audio format asked for in `session.start`.
    public enum AudioFormat: String, Sendable, Equatable {
        /// G.711 μ-law at 8 kHz: Twilio's payloads pass through untouched (the default).
        case pcmu
        /// PCM16 at 16 kHz or 24 kHz: resampled both ways by the bridge.
        case pcm16 = "pcm16000", pcm24 = "pcm24000"
    }

    /// `VOICE_API`: `realtime` (default) or `live`.
    public var api = API.realtime
    /// `OPENAI_LIVE_MODEL`: the GPT-Live model on OpenAI. Default `gpt-live-1.1`. (On Azure the
    /// model is the deployment, `AZURE_OPENAI_DEPLOYMENT`.)
    public var openAIModel = "gpt-live-1.1"
    /// `LIVE_BACKEND_MODEL`: the Responses model that runs the tools (`delegation.responses.model`).
    public var backendModel = "gpt-5.5"
    /// `LIVE_BACKEND_INSTRUCTIONS`: the backend's instructions (business rules, tool use); unset
    /// gives `defaultBackendInstructions`.
    public var backendInstructions: String?
    /// `LIVE_WEB_SEARCH`: `tavily`, `hosted` or `off`. Default `tavily` with `TAVILY_API_KEY`,
    /// else `off`.
    public var webSearch: WebSearch?
    /// `LIVE_AUDIO_FORMAT`: `pcmu` (default), `pcm16000` or `pcm24000`. A service that refuses
    /// `pcmu` is asked for `pcm24000` on the same socket, whatever this says.
    public var audioFormat = AudioFormat.pcmu
    /// `LIVE_MAX_QUEUED_MS`: how much assistant audio may wait at Twilio when the service sends
    /// faster than real time (20–1000). Default 100: a model that stops leaves no stale tail.
    public var maxQueuedMs = 100

    /// The backend's instructions when `LIVE_BACKEND_INSTRUCTIONS` is unset.
    public static let defaultBackendInstructions = """
        You work behind a voice assistant on a phone call. Use the tools when they help: search \
        the web for current facts, and call hang_up once the caller is done and has heard a goodbye. \
        Answer in one or two short spoken sentences: the caller is listening, not reading.
        """

    /// The defaults.
    public init() {}

    /// Reads and validates the GPT-Live variables through `value` (trimmed, empty as nil).
    public static func load(from value: (String) -> String?, tavily: Bool) throws -> LiveSettings {
        var s = LiveSettings()
        if let text = value("VOICE_API") {
            guard let api = API(rawValue: text.lowercased()) else {
                throw ConfigError(variable: "VOICE_API", message: "'\(text)' is not a voice API — use realtime (default) or live (GPT-Live)")
            }
            s.api = api
        }
        if let model = value("OPENAI_LIVE_MODEL") { s.openAIModel = model }
        if let model = value("LIVE_BACKEND_MODEL") { s.backendModel = model }
        s.backendInstructions = value("LIVE_BACKEND_INSTRUCTIONS")
        if let text = value("LIVE_WEB_SEARCH") {
            guard let choice = WebSearch(rawValue: text.lowercased()) else {
                throw ConfigError(variable: "LIVE_WEB_SEARCH", message: "'\(text)' is not a choice — use tavily, hosted or off")
            }
            if choice == .tavily, !tavily {
                throw ConfigError(variable: "LIVE_WEB_SEARCH", message: "is tavily but TAVILY_API_KEY is not set — "
                    + "set the key, or use hosted (the service's own web_search) or off")
            }
            s.webSearch = choice
        }
        if let text = value("LIVE_AUDIO_FORMAT") {
            guard let format = AudioFormat(rawValue: text.lowercased()) else {
                throw ConfigError(variable: "LIVE_AUDIO_FORMAT", message: "'\(text)' is not a format — use pcmu (default), pcm16000 or pcm24000")
            }
            s.audioFormat = format
        }
        if let text = value("LIVE_MAX_QUEUED_MS") {
            guard let ms = Int(text), (20...1_000).contains(ms) else {
                throw ConfigError(variable: "LIVE_MAX_QUEUED_MS", message: "'\(text)' is not a number of milliseconds from 20 to 1000")
            }
            s.maxQueuedMs = ms
        }
        return s
    }

    /// Where web search runs: the explicit choice, else Tavily when its key is set.
    public func webSearch(tavily: Bool) -> WebSearch {
        webSearch ?? (tavily ? .tavily : .off)
    }
}
