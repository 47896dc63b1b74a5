import Base64
import Foundation
import JSON

/// The built-in "parrot" provider: lets anyone try a phone line with no API key and no network.
///
/// It speaks the Realtime **GA event protocol as text**, exactly as the real service does over
/// its socket, so a call session drives it through the same code path: feed each client event
/// to `receive`, deliver the returned server events as if they had arrived on the socket.
///
/// Behaviour:
/// - `input_audio_buffer.append` runs an energy VAD (`RealtimeLocalVAD`); when the caller stops
///   talking, the parrot answers with the caller's own utterance (at most 15 s).
/// - `response.create` (the greeting) answers with a short two-tone chime.
/// - `session.update` → `session.updated`, `input_audio_buffer.clear` → `.cleared`,
///   `conversation.item.truncate` → `.truncated` (or the real service's error when `audio_end_ms`
///   is past the audio), `conversation.item.create` → `.added` and `.done`.
/// - Responses are produced whole, so `response.cancel` always gets the GA error
///   `response_cancel_not_active`; anything unknown gets an `invalid_request_error`.
///
/// Confined to the call that owns it, like the socket it stands in for.
public final class RealtimeLocalProvider: LocalSpeechService {
    /// The VAD window, in ms.
    public let frameMs: Int
    /// The audio per `response.output_audio.delta`: 100 ms of 8 kHz μ-law.
    static let deltaBytes = 800

    private var vad: RealtimeLocalVAD
    private var session: JSONObject
    private var userItemId: String?
    // Shared with RealtimeLocalProvider+Responses.swift, hence not private.
    var counter = 0
    var lastItemId: String?
    /// Audio length of recent assistant items, for `conversation.item.truncate` checks.
    var assistantAudioMs: [(itemId: String, ms: Int)] = []

    /// Function calls the parrot makes when the caller presses a key (`LOCAL_TOOL_CALLS`): the
    /// digit, the tool's name and its arguments (a JSON object, as text). So the whole tool path
    /// — an HTTP tool, an MCP server, hang-up — runs without keys.
    public var toolCalls: [String: LocalToolCall] = [:]

    /// A parrot whose VAD judges `frameMs` of audio at a time.
    public init(frameMs: Int = 20, toolCalls: [String: LocalToolCall] = [:]) {
        self.toolCalls = toolCalls
        self.frameMs = frameMs
        vad = RealtimeLocalVAD(windowMs: frameMs)
        session = [
            "type": "realtime",
            "object": "realtime.session",
            "id": "sess_local_parrot",
            "model": "parrot",
            "output_modalities": ["audio"],
            "instructions": "",
            "audio": [
                "input": [
                    "format": ["type": "audio/pcmu"],
                    "transcription": nil,
                    "turn_detection": [
                        "type": "server_vad", "threshold": 0.5,
                        "prefix_padding_ms": .number(Double(RealtimeLocalVAD.preRollMs)),
                        "silence_duration_ms": .number(Double(RealtimeLocalVAD.endMs)),
                        "create_response": true, "interrupt_response": true,
                    ],
                ],
                "output": ["format": ["type": "audio/pcmu"], "voice": "parrot"],
            ],
            "tools": [],
            "tool_choice": "auto",
        ]
    }

    /// The events the server sends as soon as the socket opens: `[session.created]`.
    public func start() -> [String] {
        [event("session.created", ["session": .object(session)])]
    }

    /// Takes one client event (JSON text) and returns the server events it causes, in order.
    public func receive(_ text: String) -> [String] {
        guard let message = try? JSON.parse(text), case .object = message else {
            return [error(code: "invalid_json", message: "The client event is not a JSON object.", param: nil, clientEventId: nil)]
        }
        let clientEventId = message["event_id"]?.stringValue
        guard let type = message["type"]?.stringValue else {
            return [error(code: "missing_required_parameter", message: "Missing required parameter: 'type'.",
                          param: "type", clientEventId: clientEventId)]
        }
        switch type {
        case "input_audio_buffer.append":
            return appendAudio(message, clientEventId: clientEventId)
        case "session.update":
            return updateSession(message, clientEventId: clientEventId)
        case "response.create":
            return response(audio: Self.chime, transcript: "(local parrot: greeting chime)")
        case "response.cancel":
            return [error(code: "response_cancel_not_active", message: "Cancellation failed: no active response found.",
                          param: nil, clientEventId: clientEventId)]
        case "input_audio_buffer.commit":
            guard let stopped = vad.commit() else {
                return [error(code: "input_audio_buffer_commit_empty",
                              message: "Error committing input audio buffer: the buffer holds no speech.",
                              param: nil, clientEventId: clientEventId)]
            }
            return events(for: [stopped])
        case "input_audio_buffer.clear":
            vad.clear()
            userItemId = nil
            return [event("input_audio_buffer.cleared", [:])]
        case "conversation.item.truncate":
            return truncate(message, clientEventId: clientEventId)
        case "conversation.item.create":
            return createItem(message, clientEventId: clientEventId)
        default:
            return [error(code: "invalid_value",
                          message: "Invalid value: '\(type)'. The local parrot supports input_audio_buffer.append, "
                              + "input_audio_buffer.commit, input_audio_buffer.clear, session.update, response.create, "
                              + "response.cancel, conversation.item.create and conversation.item.truncate.",
                          param: "type", clientEventId: clientEventId)]
        }
    }

    // MARK: - Client events

    private func appendAudio(_ message: JSON, clientEventId: String?) -> [String] {
        guard let base64 = message["audio"]?.stringValue, let audio = Base64.decode(base64) else {
            return [error(code: "invalid_value", message: "Invalid 'audio': expected base64-encoded audio/pcmu.",
                          param: "audio", clientEventId: clientEventId)]
        }
        return events(for: vad.append([UInt8](audio)))
    }

    private func events(for detections: [RealtimeLocalVAD.Event]) -> [String] {
        var output: [String] = []
        for detection in detections {
            switch detection {
            case .speechStarted(let startMs):
                let itemId = nextId("item")
                userItemId = itemId
                output.append(event("input_audio_buffer.speech_started",
                                    ["audio_start_ms": .number(Double(startMs)), "item_id": .string(itemId)]))
            case .speechStopped(let endMs, let utterance):
                let itemId = userItemId ?? nextId("item")
                output.append(event("input_audio_buffer.speech_stopped",
                                    ["audio_end_ms": .number(Double(endMs)), "item_id": .string(itemId)]))
                output.append(event("input_audio_buffer.committed",
                                    ["previous_item_id": lastItemId.map(JSON.string) ?? .null, "item_id": .string(itemId)]))
                lastItemId = itemId
                userItemId = nil
                let tenths = (utterance.count + 400) / 800
                output += response(audio: utterance,
                                   transcript: "(local parrot: \(tenths / 10).\(tenths % 10) s of audio repeated)")
            }
        }
        return output
    }

    private func updateSession(_ message: JSON, clientEventId: String?) -> [String] {
        guard let update = message["session"]?.objectValue else {
            return [error(code: "missing_required_parameter", message: "Missing required parameter: 'session'.",
                          param: "session", clientEventId: clientEventId)]
        }
        for (format, path) in [(update["audio"]?["input"]?["format"]?["type"], "session.audio.input.format"),
                               (update["audio"]?["output"]?["format"]?["type"], "session.audio.output.format")] {
            if let format, format != "audio/pcmu" {
                return [error(code: "invalid_value",
                              message: "Invalid value: \(format.serialized()). The local parrot speaks audio/pcmu only.",
                              param: path, clientEventId: clientEventId)]
            }
        }
        for (key, value) in update { session[key] = value }
        return [event("session.updated", ["session": .object(session)])]
    }

    private func truncate(_ message: JSON, clientEventId: String?) -> [String] {
        guard let itemId = message["item_id"]?.stringValue, let endMs = message["audio_end_ms"]?.intValue else {
            return [error(code: "missing_required_parameter", message: "Missing required parameter: 'item_id' or 'audio_end_ms'.",
                          param: nil, clientEventId: clientEventId)]
        }
        guard let item = assistantAudioMs.last(where: { $0.itemId == itemId }) else {
            return [error(code: "invalid_value", message: "Invalid 'item_id': no assistant item with id '\(itemId)'.",
                          param: "item_id", clientEventId: clientEventId)]
        }
        guard endMs <= item.ms else {
            // The real service's wording, which bridges have tripped on (PROTOCOLS.md §6).
            return [error(code: "invalid_value",
                          message: "Audio content of \(item.ms)ms is already shorter than \(endMs)ms",
                          param: "audio_end_ms", clientEventId: clientEventId)]
        }
        return [event("conversation.item.truncated",
                      ["item_id": .string(itemId), "content_index": 0, "audio_end_ms": .number(Double(endMs))])]
    }

    private func createItem(_ message: JSON, clientEventId: String?) -> [String] {
        guard var item = message["item"]?.objectValue else {
            return [error(code: "missing_required_parameter", message: "Missing required parameter: 'item'.",
                          param: "item", clientEventId: clientEventId)]
        }
        if item["id"] == nil { item["id"] = .string(nextId("item")) }
        item["object"] = "realtime.item"
        let previous = lastItemId.map(JSON.string) ?? .null
        lastItemId = item["id"]?.stringValue
        var events = [event("conversation.item.added", ["previous_item_id": previous, "item": .object(item)]),
                      event("conversation.item.done", ["previous_item_id": previous, "item": .object(item)])]
        // A key press the bridge forwarded ("[caller pressed 1]") that names a scripted call.
        if item["role"]?.stringValue == "user", let text = item["content"]?[0]?["text"]?.stringValue,
           text.hasPrefix("[caller pressed "), let digit = text.dropFirst("[caller pressed ".count).first,
           let call = toolCalls[String(digit)] {
            events += functionCall(name: call.name, arguments: call.arguments)
        }
        return events
    }
}

@available(*, unavailable)
extension RealtimeLocalProvider: Sendable {}

/// A function call the local parrot makes on a key press (`LOCAL_TOOL_CALLS`).
public struct LocalToolCall: Sendable, Equatable {
    /// The tool's name.
    public var name: String
    /// Its arguments: a JSON object, as text.
    public var arguments: String

    public init(name: String, arguments: String) {
        self.name = name
        self.arguments = arguments
    }
}
