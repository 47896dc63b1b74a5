import Base64
import JSON

/// The server events a phone bridge acts on, decoded from either dialect (PROTOCOLS.md §2):
/// where GA and beta name an event differently, both names map to the same case.
public enum RealtimeServerEvent: Equatable, Sendable {
    /// `session.created`, with the session the server starts from.
    case sessionCreated(session: JSON)
    /// `session.updated`, with the session as the server accepted it.
    case sessionUpdated(session: JSON)
    /// `input_audio_buffer.speech_started`: the caller started talking (barge-in point).
    case speechStarted(itemId: String?, audioStartMs: Int?)
    /// `input_audio_buffer.speech_stopped`.
    case speechStopped(itemId: String?, audioEndMs: Int?)
    /// `response.output_audio.delta` (GA) / `response.audio.delta` (beta): base64 μ-law as
    /// received, ready to splice into a Twilio `media` message.
    case audioDelta(delta: String, itemId: String?, responseId: String?)
    /// `response.output_audio.done` / `response.audio.done`; also sent when a response is interrupted.
    case audioDone(itemId: String?)
    /// `response.output_audio_transcript.done` / `response.audio_transcript.done`: what the assistant said.
    case assistantTranscriptDone(itemId: String?, transcript: String)
    /// `conversation.item.input_audio_transcription.completed`: what the caller said (arrives late).
    case inputTranscriptCompleted(itemId: String?, transcript: String)
    /// `response.created`.
    case responseCreated(responseId: String?)
    /// `response.done`: `status` is completed, cancelled, failed or incomplete; `usage` as sent.
    case responseDone(responseId: String?, status: String?, usage: JSON?)
    /// `response.function_call_arguments.done`: `arguments` is a JSON *string*; the function's
    /// name is on the item of `outputItemDone`, joined on `itemId`.
    case functionCallArgumentsDone(itemId: String?, callId: String, arguments: String)
    /// `response.output_item.added`: a new item of the response; a `function_call` item already
    /// carries `name` and `call_id` (its `arguments` are still empty).
    case outputItemAdded(item: JSON)
    /// `response.output_item.done`, with the whole item (a `function_call` carries `name`).
    case outputItemDone(item: JSON)
    /// `error`. Most errors leave the session open; `unknown_parameter` means our configuration is
    /// wrong for this provider and must be logged loudly.
    case error(type: String?, code: String?, message: String, param: String?, eventId: String?)
    /// Any other event, by its `type`.
    case other(type: String)
}

extension RealtimeServerEvent: JSONEvent {
    /// Decodes one text frame from the server, given as UTF-8 bytes.
    ///
    /// - Throws: `RealtimeEventError` when the text is not an event or lacks what its type needs.
    ///
    /// Audio deltas (the bulk of a session's events) take a fast path without the JSON tree
    /// (`decodeAudioDelta`); everything else, and any unusual delta, is parsed fully.
    public static func decode(_ text: UnsafeRawBufferPointer) throws(RealtimeEventError) -> RealtimeServerEvent {
        if let event = decodeAudioDelta(text) { return event }
        let json: JSON
        do throws(JSONError) { json = try JSON.parse(text) } catch { throw RealtimeEventError(.notJSON(error)) }
        return try decode(json: json)
    }

    /// An audio delta of the usual shape (either dialect's name), decoded from a `JSONFlatObject`
    /// index: the same value `decode(json:)` gives. Nil for any other event and for anything that
    /// index declines or that would be an error (the full path then decodes it or names the error).
    static func decodeAudioDelta(_ text: UnsafeRawBufferPointer) -> RealtimeServerEvent? {
        guard let delta = audioDelta(text) else { return nil }
        func string(_ bytes: UnsafeRawBufferPointer?) -> String? { bytes.map { String(decoding: $0, as: UTF8.self) } }
        return .audioDelta(delta: String(decoding: delta.delta, as: UTF8.self), itemId: string(delta.itemId),
                           responseId: string(delta.responseId))
    }

    /// An audio delta read in place: what `.audioDelta` holds, as the received bytes (valid only
    /// as long as they are), so the call can splice the base64 into Twilio's `media` and compare
    /// the ids with the ones it already holds, without a `String` per delta.
    public struct AudioDelta {
        /// `delta`: base64 μ-law, checked.
        public let delta: UnsafeRawBufferPointer
        /// `item_id`, when a string.
        public let itemId: UnsafeRawBufferPointer?
        /// `response_id`, when a string.
        public let responseId: UnsafeRawBufferPointer?
    }

    /// An audio delta of the usual shape, exactly when `decode` would return `.audioDelta` by its
    /// fast path, with the same fields; nil otherwise (then `decode` takes the event).
    public static func audioDelta(_ text: UnsafeRawBufferPointer) -> AudioDelta? {
        var index = JSONFlatObject()
        return audioDelta(text, indexingInto: &index)
    }

    /// `audioDelta(_:)`, indexing the text into `object`, whose storage a caller that reads one
    /// event after another keeps (no allocation per event).
    public static func audioDelta(_ text: UnsafeRawBufferPointer, indexingInto object: inout JSONFlatObject) -> AudioDelta? {
        guard object.reindex(text, base64Key: "delta"), let type = object.member("type"),
              object.member(type, equals: "response.output_audio.delta") || object.member(type, equals: "response.audio.delta"),
              let delta = object.member("delta"), delta.kind == .string,
              object.isBase64(delta) else { return nil }
        func string(_ member: JSONFlatObject.Member?) -> UnsafeRawBufferPointer? {
            guard let member, member.kind == .string else { return nil }
            return object.bytes(of: member)
        }
        return AudioDelta(delta: object.bytes(of: delta), itemId: string(object.member("item_id")),
                          responseId: string(object.member("response_id")))
    }

    /// Decodes an event that is already parsed.
    public static func decode(json: JSON) throws(RealtimeEventError) -> RealtimeServerEvent {
        guard case .object = json else { throw RealtimeEventError(.notAnObject) }
        guard let type = json["type"]?.stringValue else { throw RealtimeEventError(.missingType) }
        func string(_ key: String) -> String? { json[key]?.stringValue }
        func required(_ key: String) throws(RealtimeEventError) -> String {
            guard let value = json[key]?.stringValue else {
                throw RealtimeEventError(.missingField(type: type, field: key))
            }
            return value
        }

        switch type {
        case "response.output_audio.delta", "response.audio.delta":
            let delta = try required("delta")
            guard Base64.isValid(delta) else { throw RealtimeEventError(.deltaNotBase64(prefix: String(delta.prefix(16)))) }
            return .audioDelta(delta: delta, itemId: string("item_id"), responseId: string("response_id"))
        case "response.output_audio.done", "response.audio.done":
            return .audioDone(itemId: string("item_id"))
        case "input_audio_buffer.speech_started":
            return .speechStarted(itemId: string("item_id"), audioStartMs: json["audio_start_ms"]?.intValue)
        case "input_audio_buffer.speech_stopped":
            return .speechStopped(itemId: string("item_id"), audioEndMs: json["audio_end_ms"]?.intValue)
        case "response.output_audio_transcript.done", "response.audio_transcript.done":
            return .assistantTranscriptDone(itemId: string("item_id"), transcript: try required("transcript"))
        case "conversation.item.input_audio_transcription.completed":
            return .inputTranscriptCompleted(itemId: string("item_id"), transcript: try required("transcript"))
        case "response.created":
            return .responseCreated(responseId: json["response"]?["id"]?.stringValue)
        case "response.done":
            let response = json["response"]
            let usage = response?["usage"]
            return .responseDone(responseId: response?["id"]?.stringValue,
                                 status: response?["status"]?.stringValue,
                                 usage: usage?.isNull == false ? usage : nil)
        case "response.function_call_arguments.done":
            return .functionCallArgumentsDone(itemId: string("item_id"), callId: try required("call_id"),
                                              arguments: try required("arguments"))
        case "response.output_item.added", "response.output_item.done":
            guard let item = json["item"], case .object = item else {
                throw RealtimeEventError(.missingField(type: type, field: "item"))
            }
            return type == "response.output_item.added" ? .outputItemAdded(item: item) : .outputItemDone(item: item)
        case "session.created":
            return .sessionCreated(session: json["session"] ?? .null)
        case "session.updated":
            return .sessionUpdated(session: json["session"] ?? .null)
        case "error":
            let error = json["error"]
            return .error(type: error?["type"]?.stringValue,
                          code: error?["code"]?.stringValue,
                          message: error?["message"]?.stringValue ?? error?.serialized() ?? "(no error details)",
                          param: error?["param"]?.stringValue,
                          eventId: error?["event_id"]?.stringValue)
        default:
            return .other(type: type)
        }
    }
}
