import Base64
import JSON
import Live

/// The built-in parrot in GPT-Live's protocol (GPT-LIVE.md §4, §5): `VOICE_API=live` without
/// keys, and `simulate`, run the Live call path with no network.
///
/// Like `RealtimeLocalProvider` it speaks the protocol as text, so the call drives it through the
/// same code as a real service:
/// - `session.start` → `session.started` with the resolved session (μ-law at 8 kHz only: the
///   parrot refuses other formats with the service's `invalid_value`, which the bridge answers by
///   falling back like it would with a real service);
/// - `session.input_audio.append` runs the energy VAD; when the caller stops talking, the parrot
///   says the caller's words back (at most 15 s) as `session.output_audio.delta`s, with an input
///   and an output transcript fragment;
/// - `session.commentary.append` (the greeting) → `.appended`, then a two-tone chime;
///   `session.thinking.append`/`session.instructions.append` → `.appended`;
/// - `response.item.create` and `response.create` need Responses delegation, which the parrot
///   has not: the service's `invalid_request_error`;
/// - `session.close` → `session.closed` with the seconds of audio heard as usage.
public final class LiveLocalProvider: LocalSpeechService {
    private var vad = RealtimeLocalVAD(windowMs: 20)
    private var started = false
    private var closed = false
    private var heardBytes = 0
    private var counter = 0
    /// The session timeline, in ms of caller audio heard (8 μ-law bytes per ms).
    private var timelineMs: Int { heardBytes / 8 }

    public init() {}

    /// Nothing is sent before the client's `session.start`.
    public func start() -> [String] { [] }

    /// Takes one client event (JSON text) and returns the server events it causes, in order.
    public func receive(_ text: String) -> [String] {
        guard !closed else { return [] }
        guard let message = try? JSON.parse(text), case .object = message, let type = message["type"]?.stringValue else {
            return [error("invalid_request_error", "invalid_json", "The client event is not a JSON object with a type.", nil, nil)]
        }
        let clientEventId = message["event_id"]?.stringValue
        guard started || type == "session.start" else {
            return [error("invalid_request_error", "session_not_started", "Send session.start first.", "type", clientEventId)]
        }
        switch type {
        case "session.start":
            return start(message, clientEventId: clientEventId)
        case "session.input_audio.append":
            guard let audio = message["audio"]?.stringValue.flatMap(Base64.decode) else {
                return [error("invalid_request_error", "invalid_audio", "Invalid 'audio': expected base64 audio/pcmu.", "audio", clientEventId)]
            }
            heardBytes += audio.count
            return vad.append(audio).flatMap(answer)
        case "session.commentary.append", "session.thinking.append", "session.instructions.append":
            let kind = type.dropFirst("session.".count).prefix { $0 != "." }
            var events = [event("session.\(kind).appended", ["start_ms": .number(Double(timelineMs)), "end_ms": .number(Double(timelineMs))],
                                clientEventId: clientEventId)]
            if kind == "commentary" {
                events += speak(RealtimeLocalProvider.chime, transcript: "(local parrot: greeting chime)")
            }
            return events
        case "response.item.create", "response.create":
            return [error("invalid_request_error", "delegation_required",
                          "The local parrot has no Responses delegation; \(type) needs one.", "type", clientEventId)]
        case "session.close":
            closed = true
            return [event("session.closed", ["reason": "close_requested", "usage": ["seconds": .number(Double(timelineMs / 1000))],
                                             "session": session()], clientEventId: clientEventId)]
        default:
            return [error("invalid_request_error", "invalid_value",
                          "Invalid value: '\(type)'. The local parrot speaks GPT-Live's session.start, session.input_audio.append, "
                              + "the three appends and session.close.", "type", clientEventId)]
        }
    }

    private func start(_ message: JSON, clientEventId: String?) -> [String] {
        guard !started else {
            return [error("invalid_request_error", "session_already_started", "session.start may be sent once.", "type", clientEventId)]
        }
        let format = message["session"]?["audio"]?["format"]
        guard format == nil || (format?["type"] == "audio/pcmu" && format?["rate"] == 8000) else {
            return [error("invalid_request_error", "invalid_value", "The local parrot speaks audio/pcmu at 8000 Hz only.",
                          "session.audio.format", clientEventId)]
        }
        started = true
        return [event("session.started", ["session": session()], clientEventId: clientEventId)]
    }

    private func session() -> JSON {
        ["id": "live_local_parrot", "model": "parrot", "status": "active", "expires_at": 0,
         "audio": ["format": ["type": "audio/pcmu", "rate": 8000], "output": ["voice": "parrot"]]]
    }

    private func answer(_ detection: RealtimeLocalVAD.Event) -> [String] {
        guard case .speechStopped(let endMs, let utterance) = detection else { return [] }
        let tenths = (utterance.count + 400) / 800
        return [event("session.input_transcript.delta", ["delta": "(caller spoke)", "start_ms": .number(Double(max(0, endMs - utterance.count / 8))),
                                                         "end_ms": .number(Double(endMs))])]
            + speak(utterance, transcript: "(local parrot: \(tenths / 10).\(tenths % 10) s of audio repeated)")
    }

    /// `audio` as output deltas of 100 ms, with its transcript as one output fragment.
    private func speak(_ audio: [UInt8], transcript: String) -> [String] {
        var events = [event("session.output_transcript.delta", ["delta": .string(transcript), "start_ms": .number(Double(timelineMs)),
                                                                "end_ms": .number(Double(timelineMs + audio.count / 8))])]
        var offset = 0
        while offset < audio.count {
            let end = min(offset + RealtimeLocalProvider.deltaBytes, audio.count)
            let delta = audio[offset..<end].withUnsafeBytes { Base64.encode($0) }
            events.append(event("session.output_audio.delta", ["delta": .string(delta)]))
            offset = end
        }
        return events
    }

    private func event(_ type: String, _ fields: JSONObject, clientEventId: String? = nil) -> String {
        var object = fields
        object["type"] = .string(type)
        counter += 1
        object["event_id"] = .string("event_local_\(counter)")
        if let clientEventId { object["client_event_id"] = .string(clientEventId) }
        return JSON.object(object).serialized()
    }

    private func error(_ type: String, _ code: String, _ message: String, _ param: String?, _ clientEventId: String?) -> String {
        var body: JSONObject = ["type": .string(type), "code": .string(code), "message": .string(message)]
        body["param"] = param.map(JSON.string) ?? .null
        if let clientEventId { body["client_event_id"] = .string(clientEventId) }
        return event("error", ["error": .object(body)])
    }
}

@available(*, unavailable)
extension LiveLocalProvider: Sendable {}
