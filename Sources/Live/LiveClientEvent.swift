import JSON

/// The events the bridge sends to a GPT-Live primary WebSocket, as JSON text ready for a text
/// frame (GPT-LIVE.md §4; SDK `types/live/client_event.py`).
///
/// `inputAudioAppend` is on the audio path (one per Twilio frame), so it is built by
/// concatenation with one allocation (`JSON.joined`); the rest are rare and go through `JSON`.
/// Every event but the audio takes an optional `eventId`, which the server echoes as
/// `client_event_id` on the acknowledgement or on an `error`, so the sender can tell its
/// refusal from others.
public enum LiveClientEvent {
    /// `session.start`: the first message, before any audio; wait for `session.started`.
    public static func sessionStart(_ config: LiveSessionConfig, eventId: String? = nil) -> String {
        event("session.start", eventId: eventId, ["session": .object(config.json)])
    }

    /// `{"type":"session.input_audio.append","audio":"…"}` with `base64` spliced in unescaped: it
    /// is Twilio's payload (checked to be base64 by `TwilioInboundEvent.decode`) or our own
    /// encoding. Not acknowledged; send every frame in real time, silence included.
    public static func inputAudioAppend(base64: String) -> String {
        JSON.joined(#"{"type":"session.input_audio.append","audio":""#, base64, #""}"#)
    }

    /// `session.commentary.append`: something the model should say (it paraphrases); at most 500
    /// tokens. `delegationId` is required and nullable: nil is sent as `null`, general context,
    /// which is what a Responses-delegated session must use.
    public static func commentaryAppend(content: String, delegationId: String?, eventId: String? = nil) -> String {
        append("session.commentary.append", content: content, delegationId: delegationId, eventId: eventId)
    }

    /// `session.thinking.append`: silent context (not a secrecy boundary); the same members as
    /// `commentaryAppend`.
    public static func thinkingAppend(content: String, delegationId: String?, eventId: String? = nil) -> String {
        append("session.thinking.append", content: content, delegationId: delegationId, eventId: eventId)
    }

    /// `session.instructions.append`: trusted developer instructions, kept through compaction;
    /// the same members as `commentaryAppend`.
    public static func instructionsAppend(content: String, delegationId: String?, eventId: String? = nil) -> String {
        append("session.instructions.append", content: content, delegationId: delegationId, eventId: eventId)
    }

    /// `response.item.create` of `{type:"function_call_output", call_id, output}`: a tool's
    /// result for the Responses backend. Send one for every call of a response, then one
    /// `responseCreate()`. Not acknowledged.
    public static func functionCallOutput(callId: String, output: String, eventId: String? = nil) -> String {
        let item: JSON = ["type": "function_call_output", "call_id": .string(callId), "output": .string(output)]
        return event("response.item.create", eventId: eventId, ["item": item])
    }

    /// `response.create`: continue the backend response once every tool output is in
    /// (`function_call_outputs_required` otherwise). Responses delegation only.
    public static func responseCreate(eventId: String? = nil) -> String {
        event("response.create", eventId: eventId, [:])
    }

    /// `session.close`: the server drains delegated work, answers `session.closed` with the final
    /// usage, then closes the transport.
    public static func sessionClose(eventId: String? = nil) -> String {
        event("session.close", eventId: eventId, [:])
    }

    // MARK: - Shapes

    private static func append(_ type: String, content: String, delegationId: String?, eventId: String?) -> String {
        event(type, eventId: eventId, [
            "content": .string(content),
            // Required and nullable (SDK `commentary_append_event.py`): always present.
            "delegation_id": delegationId.map(JSON.string) ?? JSON.null,
        ])
    }

    /// `{"type":…,"event_id":…,members…}`, `event_id` only when given.
    private static func event(_ type: String, eventId: String?, _ members: JSONObject) -> String {
        var object: JSONObject = ["type": .string(type)]
        object.reserveCapacity(members.count + 2)
        if let eventId { object["event_id"] = .string(eventId) }
        for (key, value) in members { object.append(key, value) }
        return JSON.object(object).serialized()
    }
}
