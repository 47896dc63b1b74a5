/// How conversations behave on the line: turn detection, DTMF, transcripts, prices, pre-warm.
/// Loaded beside `Settings`, with the same rules (trimmed values; empty means unset; the first
/// invalid variable throws a `ConfigError` naming it).
public struct ConversationSettings: Sendable, Equatable {
    /// `TURN_DETECTION`: `server_vad` (default) or `semantic_vad`.
    public var turnDetection = "server_vad"
    /// `VAD_THRESHOLD` (server_vad only): 0.0–1.0; higher ignores more line noise. Default 0.5.
    public var vadThreshold = 0.5
    /// `VAD_SILENCE_MS` (server_vad only): silence that ends the caller's turn. Default 500.
    public var vadSilenceMs = 500
    /// `VAD_PREFIX_MS` (server_vad only): audio kept before detected speech. Default 300.
    public var vadPrefixMs = 300
    /// `VAD_EAGERNESS` (semantic_vad only): low, medium, high or auto. Default auto (nil).
    public var vadEagerness: String?
    /// `REASONING_EFFORT` (reasoning models, `gpt-realtime-2` and later): minimal, low, medium,
    /// high or xhigh. Unset: `low`, the model's own default, which keeps the first words fast.
    public var reasoningEffort: String?
    /// `PARALLEL_TOOL_CALLS` (reasoning models): whether one response may call several tools at
    /// once. Unset: the service's default (nothing is sent).
    public var parallelToolCalls: Bool?
    /// `NOISE_REDUCTION`: `far_field` (default, suits phones), `near_field`, or nil for `off`.
    public var noiseReduction: String? = "far_field"
    /// `FORWARD_DTMF`: send key presses to the model as user text. Default true.
    public var forwardDTMF = true
    /// `TRANSCRIPTS_DIR`: when set, each call's utterances go to `<dir>/<CallSid>.jsonl`.
    public var transcriptsDir: String?
    /// `PREWARM`: open the provider session when Twilio fetches the webhook. Default true for
    /// the Realtime API, false for GPT-Live (a Live session bills by the second while the phone rings).
    public var prewarm = true
    /// `PREWARM_CLAIM_TIMEOUT_MS`: how long a pre-warmed session waits for its stream. Default 15000.
    public var prewarmClaimTimeoutMs = 15_000
    /// `CALLER_AUDIO_BATCH_MS`: caller audio sent to the provider in chunks of this many
    /// milliseconds (20–200, a multiple of 20). Default 20: each of Twilio's 20 ms frames at once.
    /// Larger chunks mean fewer messages and less CPU per call, and that much more delay before
    /// the model hears the caller (turn detection and barge-in included).
    public var callerAudioBatchMs = 20
    /// `RECORDINGS_DIR`: when set, each call is recorded there as `<CallSid>.wav` (stereo: the
    /// caller left, the assistant right, as the caller heard it).
    public var recordingsDir: String?
    /// `RECORDING_NOTICE`: said before the greeting of a recorded call, where consent is required.
    public var recordingNotice: String?
    /// `TOOL_HOLD_AFTER_MS`: a tool running this long with the assistant silent starts the hold
    /// audio (0–10000; 0 turns it off). Default 700.
    public var toolHoldAfterMs = 700
    /// `HOLD_AUDIO_FILE`: the soft loop played meanwhile. Default `config/prompts/hold.ulaw`.
    public var holdAudioFile = "config/prompts/hold.ulaw"
    /// `PRICES_FILE`: the price table for cost estimates. Default `config/prices.json`.
    public var pricesFile = "config/prices.json"
    /// `MODEL_DEPRECATIONS_FILE`: the model ids known to shut down, with dates and
    /// replacements. Default `config/model-deprecations.json`.
    public var modelDeprecationsFile = "config/model-deprecations.json"
    /// `PRICE_MODEL`: the row of the price table to use; default the model or deployment name.
    public var priceModel: String?

    /// The defaults.
    public init() {}

    /// Reads and validates the conversation variables from `env`.
    public static func load(from env: Environment) throws -> ConversationSettings {
        let value = { (name: String) -> String? in
            guard let raw = env[name]?.trimmingWhitespace(), !raw.isEmpty else { return nil }
            return raw
        }
        var s = ConversationSettings()
        if let t = value("TURN_DETECTION") {
            guard ["server_vad", "semantic_vad"].contains(t.lowercased()) else {
                throw ConfigError(variable: "TURN_DETECTION", message: "'\(t)' is not a turn detection type — use server_vad (default) or semantic_vad")
            }
            s.turnDetection = t.lowercased()
        }
        if let t = value("VAD_THRESHOLD") {
            guard let v = Double(t), (0...1).contains(v) else {
                throw ConfigError(variable: "VAD_THRESHOLD", message: "'\(t)' is not a number from 0.0 to 1.0 — raise it (e.g. 0.6) if line noise interrupts the assistant")
            }
            s.vadThreshold = v
        }
        s.vadSilenceMs = try milliseconds(value("VAD_SILENCE_MS"), "VAD_SILENCE_MS", range: 100...5_000) ?? s.vadSilenceMs
        s.vadPrefixMs = try milliseconds(value("VAD_PREFIX_MS"), "VAD_PREFIX_MS", range: 0...2_000) ?? s.vadPrefixMs
        if let e = value("VAD_EAGERNESS") {
            guard ["low", "medium", "high", "auto"].contains(e.lowercased()) else {
                throw ConfigError(variable: "VAD_EAGERNESS", message: "'\(e)' is not an eagerness — use low, medium, high or auto")
            }
            s.vadEagerness = e.lowercased()
        }
        if let r = value("REASONING_EFFORT") {
            guard ["minimal", "low", "medium", "high", "xhigh"].contains(r.lowercased()) else {
                throw ConfigError(variable: "REASONING_EFFORT", message: "'\(r)' is not a reasoning effort — use minimal, low (the default, fastest first words), medium, high or xhigh")
            }
            s.reasoningEffort = r.lowercased()
        }
        s.parallelToolCalls = try value("PARALLEL_TOOL_CALLS").map { try Settings.parseBool($0, variable: "PARALLEL_TOOL_CALLS") }
        if let n = value("NOISE_REDUCTION") {
            switch n.lowercased() {
            case "far_field", "near_field": s.noiseReduction = n.lowercased()
            case "off", "none", "false": s.noiseReduction = nil
            default:
                throw ConfigError(variable: "NOISE_REDUCTION", message: "'\(n)' is not a noise reduction mode — use far_field (phones, default), near_field or off")
            }
        }
        s.forwardDTMF = try value("FORWARD_DTMF").map { try Settings.parseBool($0, variable: "FORWARD_DTMF") } ?? true
        s.prewarm = try value("PREWARM").map { try Settings.parseBool($0, variable: "PREWARM") }
            ?? (value("VOICE_API")?.lowercased() != LiveSettings.API.live.rawValue)
        s.prewarmClaimTimeoutMs = try milliseconds(value("PREWARM_CLAIM_TIMEOUT_MS"), "PREWARM_CLAIM_TIMEOUT_MS",
                                                   range: 100...120_000) ?? s.prewarmClaimTimeoutMs
        s.toolHoldAfterMs = try milliseconds(value("TOOL_HOLD_AFTER_MS"), "TOOL_HOLD_AFTER_MS", range: 0...10_000) ?? s.toolHoldAfterMs
        if let path = value("HOLD_AUDIO_FILE") { s.holdAudioFile = path }
        s.recordingsDir = value("RECORDINGS_DIR")
        s.recordingNotice = value("RECORDING_NOTICE")
        if let text = value("CALLER_AUDIO_BATCH_MS") {
            guard let ms = Int(text), (20...200).contains(ms), ms % 20 == 0 else {
                throw ConfigError(variable: "CALLER_AUDIO_BATCH_MS", message: "'\(text)' is not a multiple of 20 from 20 to 200 (milliseconds of caller audio per message to the model) — use 20 (default, lowest delay), or e.g. 40 to halve those messages at 20 ms more delay")
            }
            s.callerAudioBatchMs = ms
        }
        s.transcriptsDir = value("TRANSCRIPTS_DIR")
        s.pricesFile = value("PRICES_FILE") ?? s.pricesFile
        s.modelDeprecationsFile = value("MODEL_DEPRECATIONS_FILE") ?? s.modelDeprecationsFile
        s.priceModel = value("PRICE_MODEL")
        return s
    }

    private static func milliseconds(_ text: String?, _ variable: String, range: ClosedRange<Int>) throws -> Int? {
        guard let text else { return nil }
        guard let v = Int(text), range.contains(v) else {
            throw ConfigError(variable: variable, message: "'\(text)' is not a whole number of milliseconds from \(range.lowerBound) to \(range.upperBound)")
        }
        return v
    }
}
