import Base64
import JSON

/// The server events a phone bridge acts on (GPT-LIVE.md §5; SDK `types/live/server_event.py`).
///
/// There is no VAD event, no audio-done and no response lifecycle for speech: the live model
/// decides when to talk. Timeline positions (`startMs`, `endMs`, `offsetMs`) are milliseconds from
/// the start of the session.
public enum LiveServerEvent: Equatable, Sendable {
    /// `session.started`, with the resolved session and the audio format it settled on (nil when
    /// absent or not one `LiveAudioFormat` knows): check it before sending audio.
    case sessionStarted(session: JSON, format: LiveAudioFormat?)
    /// `session.updated`, with the full session resource.
    case sessionUpdated(session: JSON)
    /// `session.output_audio.delta`: base64 audio in the session's format, as received (for
    /// μ-law, ready to splice into a Twilio `media` message).
    case outputAudioDelta(delta: String)
    /// `session.input_transcript.delta`: a fragment of what the caller said; no done event.
    case inputTranscriptDelta(delta: String, startMs: Int?, endMs: Int?)
    /// `session.output_transcript.delta`: a fragment of what the assistant said.
    case outputTranscriptDelta(delta: String, startMs: Int?, endMs: Int?)
    /// `session.commentary.appended`: commentary accepted (not yet spoken).
    case commentaryAppended(startMs: Int?, endMs: Int?, clientEventId: String?)
    /// `session.thinking.appended`: thinking accepted.
    case thinkingAppended(startMs: Int?, endMs: Int?, clientEventId: String?)
    /// `session.instructions.appended`: instructions accepted.
    case instructionsAppended(startMs: Int?, endMs: Int?, clientEventId: String?)
    /// `session.delegation.created`: metadata only, no task text. `target` is `client`,
    /// `responses` or `decisions`.
    case delegationCreated(delegationId: String, target: String, responseId: String?, offsetMs: Int?)
    /// `response.event`: a nested Responses streaming event of the backend (`event.type` is
    /// `response.output_item.done`, `response.completed`, …); see `functionCall` and
    /// `backendUsage`.
    case responseEvent(delegationId: String?, event: JSON)
    /// `session.usage.updated`: cumulative billed seconds (don't sum them) and, when known, the
    /// share of the context window in use.
    case usageUpdated(seconds: Double, contextUsageRatio: Double?)
    /// `session.closed`: the terminal event. `reason` is `close_requested`, `expired`,
    /// `content`, `remote_hangup` or `connection_lost`; `seconds` the final usage.
    case sessionClosed(reason: String?, seconds: Double?)
    /// `error`. A command's error does not necessarily close the session; `unknown_parameter`
    /// means our configuration is wrong for this service and must be logged loudly.
    case error(type: String?, code: String?, message: String, param: String?, clientEventId: String?)
    /// `info`: a notice, such as `data_channel_permissions`.
    case info(code: String?, message: String?)
    /// Any other event, by its `type`.
    case other(type: String)
}

extension LiveServerEvent: JSONEvent {
    /// Decodes one text frame from the server, given as UTF-8 bytes.
    ///
    /// - Throws: `LiveEventError` when the text is not an event or lacks what its type needs.
    ///
    /// Audio deltas (the bulk of a session's events) take a fast path without the JSON tree
    /// (`decodeAudioDelta`); everything else, and any unusual delta, is parsed fully.
    public static func decode(_ text: UnsafeRawBufferPointer) throws(LiveEventError) -> LiveServerEvent {
        if let event = decodeAudioDelta(text) { return event }
        let json: JSON
        do throws(JSONError) { json = try JSON.parse(text) } catch { throw LiveEventError(.notJSON(error)) }
        return try decode(json: json)
    }

    /// An audio delta of the usual shape, decoded from a `JSONFlatObject` index: the same value
    /// `decode(json:)` gives. Nil for any other event and for anything that index declines (an
    /// escaped `\/`, say) or that would be an error: the full path then decodes it or names the
    /// error.
    static func decodeAudioDelta(_ text: UnsafeRawBufferPointer) -> LiveServerEvent? {
        guard let object = JSONFlatObject(text), let type = object.member("type"),
              object.member(type, equals: "session.output_audio.delta"),
              let delta = object.member("delta"), delta.kind == .string,
              Base64.isValid(object.bytes(of: delta)) else { return nil }
        return .outputAudioDelta(delta: String(decoding: object.bytes(of: delta), as: UTF8.self))
    }

    /// Decodes an event that is already parsed.
    public static func decode(json: JSON) throws(LiveEventError) -> LiveServerEvent {
        guard case .object = json else { throw LiveEventError(.notAnObject) }
        guard let type = json["type"]?.stringValue else { throw LiveEventError(.missingType) }
        func string(_ key: String) -> String? { json[key]?.stringValue }
        func int(_ key: String) -> Int? { json[key]?.intValue }
        func required(_ key: String) throws(LiveEventError) -> String {
            guard let value = json[key]?.stringValue else {
                throw LiveEventError(.missingField(type: type, field: key))
            }
            return value
        }

        switch type {
        case "session.output_audio.delta":
            let delta = try required("delta")
            guard Base64.isValid(delta) else { throw LiveEventError(.deltaNotBase64(prefix: String(delta.prefix(16)))) }
            return .outputAudioDelta(delta: delta)
        case "session.input_transcript.delta":
            return .inputTranscriptDelta(delta: try required("delta"), startMs: int("start_ms"), endMs: int("end_ms"))
        case "session.output_transcript.delta":
            return .outputTranscriptDelta(delta: try required("delta"), startMs: int("start_ms"), endMs: int("end_ms"))
        case "session.commentary.appended":
            return .commentaryAppended(startMs: int("start_ms"), endMs: int("end_ms"), clientEventId: string("client_event_id"))
        case "session.thinking.appended":
            return .thinkingAppended(startMs: int("start_ms"), endMs: int("end_ms"), clientEventId: string("client_event_id"))
        case "session.instructions.appended":
            return .instructionsAppended(startMs: int("start_ms"), endMs: int("end_ms"), clientEventId: string("client_event_id"))
        case "session.delegation.created":
            let delegation = json["delegation"]
            guard let id = delegation?["id"]?.stringValue else {
                throw LiveEventError(.missingField(type: type, field: "delegation.id"))
            }
            return .delegationCreated(delegationId: id, target: delegation?["target"]?.stringValue ?? "client",
                                      responseId: delegation?["response_id"]?.stringValue, offsetMs: int("offset_ms"))
        case "response.event":
            guard let event = json["event"], case .object = event else {
                throw LiveEventError(.missingField(type: type, field: "event"))
            }
            return .responseEvent(delegationId: string("delegation_id"), event: event)
        case "session.started":
            let session = json["session"] ?? .null
            return .sessionStarted(session: session, format: session["audio"]?["format"].flatMap(LiveAudioFormat.init(json:)))
        case "session.updated":
            return .sessionUpdated(session: json["session"] ?? .null)
        case "session.usage.updated":
            guard let seconds = json["usage"]?["seconds"]?.doubleValue else {
                throw LiveEventError(.missingField(type: type, field: "usage.seconds"))
            }
            return .usageUpdated(seconds: seconds, contextUsageRatio: json["context_window"]?["usage_ratio"]?.doubleValue)
        case "session.closed":
            return .sessionClosed(reason: string("reason"), seconds: json["usage"]?["seconds"]?.doubleValue)
        case "error":
            let error = json["error"]
            return .error(type: error?["type"]?.stringValue,
                          code: error?["code"]?.stringValue,
                          message: error?["message"]?.stringValue ?? error?.serialized() ?? "(no error details)",
                          param: error?["param"]?.stringValue,
                          clientEventId: error?["client_event_id"]?.stringValue ?? string("client_event_id"))
        case "info":
            return .info(code: string("code"), message: string("message"))
        default:
            return .other(type: type)
        }
    }
}
