import JSON

/// What the bridge asks of a GPT-Live session: the `session` object of `session.start`
/// (GPT-LIVE.md §3; SDK `types/live/session_config.py`). Everything here is immutable once the
/// session has started, except the delegation's settings (`session.update`).
///
/// The service rejects unknown fields, so `json` writes only the SDK's names, and only the ones
/// set: `model`, `instructions`, `audio{format, output{voice}}`, `delegation`, `input`, `store`.
public struct LiveSessionConfig: Equatable, Sendable {
    /// `gpt-live-1`, `gpt-live-1.1`, or an Azure deployment name.
    public var model: String
    /// The voice model's instructions (tone, interruptions, when to delegate; at most 16 384
    /// tokens); nil leaves the server default.
    public var instructions: String?
    /// The audio encoding both ways; nil omits it (WebRTC and SIP negotiate their own).
    public var format: LiveAudioFormat?
    /// A built-in voice name (`marin` is the server default); nil omits it.
    public var voice: String?
    /// Who handles delegated tasks; nil omits the member, which means the client.
    public var delegation: LiveDelegation?
    /// Startup history, text only; omitted when empty.
    public var input: [LiveInputMessage]
    /// Whether the service keeps the session for forking and recording download.
    public var store: Bool

    /// A configuration with the bridge's defaults: μ-law at 8 kHz, nothing stored.
    public init(
        model: String,
        instructions: String? = nil,
        format: LiveAudioFormat? = .pcmu,
        voice: String? = nil,
        delegation: LiveDelegation? = nil,
        input: [LiveInputMessage] = [],
        store: Bool = false
    ) {
        self.model = model
        self.instructions = instructions
        self.format = format
        self.voice = voice
        self.delegation = delegation
        self.input = input
        self.store = store
    }

    /// The `session` object.
    public var json: JSONObject {
        var session: JSONObject = ["model": .string(model)]
        if let instructions { session["instructions"] = .string(instructions) }
        var audio = JSONObject()
        if let format { audio["format"] = format.json }
        if let voice { audio["output"] = ["voice": .string(voice)] }
        if !audio.isEmpty { session["audio"] = .object(audio) }
        if let delegation { session["delegation"] = delegation.json }
        if !input.isEmpty { session["input"] = .array(input.map(\.json)) }
        session["store"] = .bool(store)
        return session
    }
}
