import JSON

/// The events the bridge sends to a Realtime server, as JSON text ready for a text frame
/// (PROTOCOLS.md §2).
///
/// `appendAudio` is on the audio path (one per Twilio frame), so it is built by concatenation
/// with one allocation (`JSON.joined`);
/// the rest are rare and go through `JSON`.
public enum RealtimeClientEvent {
    /// `session.update` in the shape `dialect` expects; μ-law (G.711) both ways, so Twilio
    /// payloads pass through untouched.
    ///
    /// - GA: `session.type: "realtime"`, `audio.input`/`audio.output` with `audio/pcmu`, voice
    ///   `marin` by default, `output_modalities: ["audio"]` — except for Azure, which answers
    ///   `unknown_parameter` to that field (PROTOCOLS.md §3).
    /// - Beta: flat `modalities`, `input_audio_format`/`output_audio_format: "g711_ulaw"`,
    ///   voice `alloy` by default, `input_audio_transcription`.
    /// `tools` and `tool_choice: "auto"` only when there are tools.
    public static func sessionUpdate(_ options: RealtimeSessionOptions, dialect: RealtimeDialect) -> String {
        JSON.object(["type": "session.update", "session": .object(session(options, dialect: dialect))]).serialized()
    }

    /// The `session` object of `sessionUpdate`, for a caller that edits it before sending
    /// (`SessionNegotiation`).
    public static func session(_ options: RealtimeSessionOptions, dialect: RealtimeDialect) -> JSONObject {
        dialect == .ga ? gaSession(options) : betaSession(options)
    }

    /// `{"type":"input_audio_buffer.append","audio":"…"}` with `base64` spliced in unescaped: it
    /// is Twilio's payload, which `TwilioInboundEvent.decode` checked is base64.
    public static func appendAudio(base64: String) -> String {
        JSON.joined(#"{"type":"input_audio_buffer.append","audio":""#, base64, #""}"#)
    }

    /// `appendAudio` as a splice over the caller's bytes, for `RealtimeClient.send(_: JSONSplice)`:
    /// the base64 goes from Twilio's message into the frame without a `String`.
    public static func appendAudio(base64: UnsafeRawBufferPointer) -> JSONSplice {
        JSONSplice(#"{"type":"input_audio_buffer.append","audio":""#, base64, #""}"#)
    }

    /// `response.create`, optionally with per-response `instructions` (e.g. the greeting). No
    /// modality fields: Azure's GA dialect rejects them, and the session already says audio.
    /// `eventId` becomes the client `event_id`, which the server echoes in an `error` that
    /// answers this event (PROTOCOLS.md §2), so the sender can tell its refusal from others.
    public static func responseCreate(instructions: String? = nil, eventId: String? = nil) -> String {
        let id = eventId.map { #","event_id":"# + JSON.quoted($0) } ?? ""
        guard let instructions else { return #"{"type":"response.create""# + id + "}" }
        return #"{"type":"response.create""# + id + #","response":{"instructions":"# + JSON.quoted(instructions) + "}}"
    }

    /// Instructions that make the assistant open the call with `greeting`, word for word:
    /// `Greet the caller now by saying exactly: "<greeting>"`. Pass to `responseCreate`.
    public static func greetingInstructions(_ greeting: String) -> String {
        "Greet the caller now by saying exactly: \"" + greeting + "\""
    }

    /// `conversation.item.truncate` of an assistant item's first content part at `audioEndMs`:
    /// what the caller actually heard before barging in. Must not exceed the audio sent.
    public static func truncate(itemId: String, audioEndMs: Int) -> String {
        #"{"type":"conversation.item.truncate","item_id":"# + JSON.quoted(itemId)
            + #","content_index":0,"audio_end_ms":"# + String(audioEndMs) + "}"
    }

    /// `{"type":"response.cancel"}`: stop the response in progress (an error event if none is).
    public static func responseCancel() -> String {
        #"{"type":"response.cancel"}"#
    }

    /// `conversation.item.create` of a user text message (e.g. a typed test turn or a note).
    public static func conversationItemCreateUserText(_ text: String) -> String {
        let item: JSON = [
            "type": "message",
            "role": "user",
            "content": [["type": "input_text", "text": .string(text)]],
        ]
        return JSON.object(["type": "conversation.item.create", "item": item]).serialized()
    }

    /// `conversation.item.create` of a system message: a note from the bridge the model follows
    /// (the call's time is nearly up).
    public static func conversationItemCreateSystemText(_ text: String) -> String {
        let item: JSON = [
            "type": "message",
            "role": "system",
            "content": [["type": "input_text", "text": .string(text)]],
        ]
        return JSON.object(["type": "conversation.item.create", "item": item]).serialized()
    }

    /// `conversation.item.create` of something the assistant said earlier, as text: how a new
    /// session learns the conversation so far. The content part is `output_text` in GA and
    /// `text` in beta.
    public static func conversationItemCreateAssistantText(_ text: String, dialect: RealtimeDialect) -> String {
        let item: JSON = [
            "type": "message",
            "role": "assistant",
            "content": [["type": .string(dialect == .ga ? "output_text" : "text"), "text": .string(text)]],
        ]
        return JSON.object(["type": "conversation.item.create", "item": item]).serialized()
    }

    /// `conversation.item.create` of a tool result for the call `callId`; follow it with
    /// `responseCreate()` so the model speaks the answer.
    public static func functionCallOutput(callId: String, output: String) -> String {
        let item: JSON = ["type": "function_call_output", "call_id": .string(callId), "output": .string(output)]
        return JSON.object(["type": "conversation.item.create", "item": item]).serialized()
    }

    // MARK: - Session shapes

    private static func gaSession(_ options: RealtimeSessionOptions) -> JSONObject {
        var input: JSONObject = ["format": ["type": "audio/pcmu"]]
        if let model = options.transcriptionModel {
            var transcription: JSONObject = ["model": .string(model)]
            if let language = options.transcriptionLanguage { transcription["language"] = .string(language) }
            input["transcription"] = .object(transcription)
        }
        if let noiseReduction = options.noiseReduction {
            input["noise_reduction"] = ["type": .string(noiseReduction)]
        }
        input["turn_detection"] = options.turnDetection.json
        let output: JSON = ["format": ["type": "audio/pcmu"], "voice": .string(options.voice ?? "marin")]

        var session: JSONObject = ["type": "realtime", "instructions": .string(options.instructions)]
        // Azure GA answers unknown_parameter for output_modalities (PROTOCOLS.md §3).
        if options.provider != "azure" {
            session["output_modalities"] = ["audio"]
        }
        session["audio"] = ["input": .object(input), "output": output]
        appendTools(options.tools, to: &session)
        if let effort = options.reasoningEffort { session["reasoning"] = ["effort": .string(effort)] }
        if let parallel = options.parallelToolCalls { session["parallel_tool_calls"] = .bool(parallel) }
        return session
    }

    private static func betaSession(_ options: RealtimeSessionOptions) -> JSONObject {
        var session: JSONObject = [
            "modalities": ["audio", "text"],
            "instructions": .string(options.instructions),
            "voice": .string(options.voice ?? "alloy"),
            "input_audio_format": "g711_ulaw",
            "output_audio_format": "g711_ulaw",
        ]
        if let model = options.transcriptionModel {
            var transcription: JSONObject = ["model": .string(model)]
            if let language = options.transcriptionLanguage { transcription["language"] = .string(language) }
            session["input_audio_transcription"] = .object(transcription)
        }
        if let noiseReduction = options.noiseReduction {
            session["input_audio_noise_reduction"] = ["type": .string(noiseReduction)]
        }
        session["turn_detection"] = options.turnDetection.json
        appendTools(options.tools, to: &session)
        return session
    }

    private static func appendTools(_ tools: [JSON], to session: inout JSONObject) {
        guard !tools.isEmpty else { return }
        session["tools"] = .array(tools)
        session["tool_choice"] = "auto"
    }
}
