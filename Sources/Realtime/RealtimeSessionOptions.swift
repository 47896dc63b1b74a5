import JSON

/// What the bridge asks of a Realtime session: the persona, the voice, when a turn ends, how the
/// caller is transcribed and which tools the model may call. `RealtimeClientEvent.sessionUpdate`
/// turns it into the `session.update` of either dialect.
public struct RealtimeSessionOptions: Equatable, Sendable {
    /// How the server decides that the caller started and stopped talking.
    public struct TurnDetection: Equatable, Sendable {
        /// `server_vad` (energy and timing) or `semantic_vad` (the model judges the end of a turn).
        public var type: String
        /// `server_vad` only: activation threshold, 0…1; raise it on noisy lines.
        public var threshold: Double
        /// `server_vad` only: audio kept before detected speech, in ms.
        public var prefixPaddingMs: Int
        /// `server_vad` only: silence that ends a turn, in ms.
        public var silenceDurationMs: Int
        /// `semantic_vad` only: `low`, `medium`, `high` or `auto`; `nil` leaves the server default.
        public var eagerness: String?

        /// Server VAD with OpenAI's defaults: threshold 0.5, 300 ms padding, 500 ms silence.
        public init(
            type: String = "server_vad",
            threshold: Double = 0.5,
            prefixPaddingMs: Int = 300,
            silenceDurationMs: Int = 500,
            eagerness: String? = nil
        ) {
            self.type = type
            self.threshold = threshold
            self.prefixPaddingMs = prefixPaddingMs
            self.silenceDurationMs = silenceDurationMs
            self.eagerness = eagerness
        }

        /// The `turn_detection` object. The server answers on its own (`create_response`) and
        /// cancels its answer when the caller talks over it (`interrupt_response`): barge-in.
        var json: JSON {
            var object: JSONObject = ["type": .string(type)]
            if type == "semantic_vad" {
                if let eagerness { object["eagerness"] = .string(eagerness) }
            } else {
                object["threshold"] = .number(threshold)
                object["prefix_padding_ms"] = .number(Double(prefixPaddingMs))
                object["silence_duration_ms"] = .number(Double(silenceDurationMs))
            }
            object["create_response"] = true
            object["interrupt_response"] = true
            return .object(object)
        }
    }

    /// The system prompt.
    public var instructions: String
    /// The voice; `nil` picks the dialect's default (`marin` on GA, `alloy` on beta).
    public var voice: String?
    /// Turn detection; server VAD by default.
    public var turnDetection: TurnDetection
    /// The model that transcribes the caller; `nil` turns transcription off.
    public var transcriptionModel: String?
    /// The caller's language for transcription (ISO-639-1, `en`); nil lets the model guess.
    public var transcriptionLanguage: String?
    /// Tool definitions (`{"type":"function","name":…,"description":…,"parameters":…}`), sent
    /// with `tool_choice: "auto"` when not empty.
    public var tools: [JSON]
    /// `"openai"`, `"azure"` or `"local"`: Azure's GA dialect rejects some OpenAI fields.
    public var provider: String
    /// Input noise reduction, `near_field` or `far_field` (phones); `nil` sends none.
    public var noiseReduction: String?
    /// `session.reasoning.effort` (GA, reasoning models only); `nil` sends none.
    public var reasoningEffort: String?
    /// `session.parallel_tool_calls` (GA, reasoning models only); `nil` sends none.
    public var parallelToolCalls: Bool?

    /// Whether a model id takes `reasoning` and `parallel_tool_calls`: the reasoning Realtime
    /// models, `gpt-realtime-2` and later (the SDK's `RealtimeReasoning`: "reasoning-capable
    /// Realtime models such as gpt-realtime-2"), minis included.
    public static func modelTakesReasoning(_ model: String) -> Bool {
        guard model.hasPrefix("gpt-realtime-") else { return false }
        // A generation is one or two digits (`2`, `2.1`); four are a dated snapshot (`2025-08-28`).
        let version = model.dropFirst("gpt-realtime-".count).prefix(while: { $0.isASCII && $0.isNumber })
        guard (1...2).contains(version.count) else { return false }
        return Int(version).map { $0 >= 2 } ?? false
    }

    /// Options with the bridge's defaults.
    public init(
        instructions: String,
        voice: String? = nil,
        turnDetection: TurnDetection = TurnDetection(),
        transcriptionModel: String? = "gpt-4o-mini-transcribe",
        tools: [JSON] = [],
        provider: String = "openai",
        noiseReduction: String? = nil
    ) {
        self.instructions = instructions
        self.voice = voice
        self.turnDetection = turnDetection
        self.transcriptionModel = transcriptionModel
        self.tools = tools
        self.provider = provider
        self.noiseReduction = noiseReduction
    }
}
