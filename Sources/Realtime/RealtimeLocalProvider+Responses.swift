import Base64
import Audio
import Foundation
import JSON

/// The server side of the parrot's replies: GA event shapes, ids, and the greeting chime.
extension RealtimeLocalProvider {
    /// The full GA sequence of one spoken response, produced at once:
    /// `response.created`, `response.output_item.added`, `response.output_audio.delta` × n (100 ms
    /// each), `response.output_audio.done`, `response.output_audio_transcript.done`,
    /// `response.output_item.done`, `response.done` (completed, zero usage).
    func response(audio: [UInt8], transcript: String) -> [String] {
        let responseId = nextId("resp")
        let itemId = nextId("item")
        let position: JSONObject = ["response_id": .string(responseId), "item_id": .string(itemId),
                                    "output_index": 0, "content_index": 0]
        var item: JSONObject = ["id": .string(itemId), "object": "realtime.item", "type": "message",
                                "status": "in_progress", "role": "assistant", "content": []]
        var events = [
            event("response.created", ["response": .object(response(responseId, status: "in_progress", output: [], usage: .null))]),
            event("response.output_item.added", ["response_id": .string(responseId), "output_index": 0, "item": .object(item)]),
        ]
        var offset = 0
        while offset < audio.count {
            let chunk = audio[offset..<min(offset + Self.deltaBytes, audio.count)]
            var delta = position
            delta["delta"] = .string(Base64.encode(Array(chunk)))
            events.append(event("response.output_audio.delta", delta))
            offset += Self.deltaBytes
        }
        events.append(event("response.output_audio.done", position))
        var transcriptDone = position
        transcriptDone["transcript"] = .string(transcript)
        events.append(event("response.output_audio_transcript.done", transcriptDone))

        item["status"] = "completed"
        item["content"] = [["type": "output_audio", "transcript": .string(transcript)]]
        events.append(event("response.output_item.done", ["response_id": .string(responseId), "output_index": 0, "item": .object(item)]))
        events.append(event("response.done", ["response": .object(response(responseId, status: "completed",
                                                                           output: [.object(item)], usage: Self.zeroUsage))]))
        rememberAssistantItem(itemId, audioMs: audio.count / 8)
        lastItemId = itemId
        return events
    }

    /// One response that calls `name` with `arguments`, as the GA service sends it
    /// (PROTOCOLS.md §2): the item with its name, the arguments, the item done, the response done.
    func functionCall(name: String, arguments: String) -> [String] {
        let responseId = nextId("resp")
        let itemId = nextId("item")
        let callId = nextId("call")
        var item: JSONObject = ["id": .string(itemId), "object": "realtime.item", "type": "function_call", "status": "in_progress",
                                "name": .string(name), "call_id": .string(callId), "arguments": ""]
        var events = [
            event("response.created", ["response": .object(response(responseId, status: "in_progress", output: [], usage: .null))]),
            event("response.output_item.added", ["response_id": .string(responseId), "output_index": 0, "item": .object(item)]),
            event("response.function_call_arguments.done", ["response_id": .string(responseId), "item_id": .string(itemId), "output_index": 0,
                                                             "call_id": .string(callId), "name": .string(name), "arguments": .string(arguments)]),
        ]
        item["status"] = "completed"
        item["arguments"] = .string(arguments)
        events.append(event("response.output_item.done", ["response_id": .string(responseId), "output_index": 0, "item": .object(item)]))
        events.append(event("response.done", ["response": .object(response(responseId, status: "completed",
                                                                           output: [.object(item)], usage: Self.zeroUsage))]))
        lastItemId = itemId
        return events
    }

    /// A GA server event: `type`, a fresh `event_id`, then `fields`.
    func event(_ type: String, _ fields: JSONObject) -> String {
        var object: JSONObject = ["type": .string(type), "event_id": .string(nextId("event"))]
        for (key, value) in fields { object[key] = value }
        return JSON.object(object).serialized()
    }

    /// A GA `error` event of type `invalid_request_error`, echoing the client's `event_id`.
    func error(code: String, message: String, param: String?, clientEventId: String?) -> String {
        event("error", ["error": [
            "type": "invalid_request_error",
            "code": .string(code),
            "message": .string(message),
            "param": param.map(JSON.string) ?? .null,
            "event_id": clientEventId.map(JSON.string) ?? .null,
        ]])
    }

    /// `prefix_local_N`, unique within this provider.
    func nextId(_ prefix: String) -> String {
        counter += 1
        return prefix + "_local_" + String(counter)
    }

    private func rememberAssistantItem(_ itemId: String, audioMs: Int) {
        assistantAudioMs.append((itemId: itemId, ms: audioMs))
        // A call only ever truncates the item it is playing; keep a few, not the whole call.
        if assistantAudioMs.count > 16 { assistantAudioMs.removeFirst() }
    }

    private func response(_ id: String, status: String, output: [JSON], usage: JSON) -> JSONObject {
        ["id": .string(id), "object": "realtime.response", "status": .string(status),
         "status_details": .null, "output": .array(output), "usage": usage]
    }

    private static let zeroUsage: JSON = [
        "total_tokens": 0, "input_tokens": 0, "output_tokens": 0,
        "input_token_details": ["text_tokens": 0, "audio_tokens": 0, "cached_tokens": 0],
        "output_token_details": ["text_tokens": 0, "audio_tokens": 0],
    ]

    /// The greeting: a two-tone chime (E5 then C5, 200 ms each, ≈ −14 dBFS, 5 ms attack and an
    /// exponential decay so neither tone clicks), as 8 kHz μ-law.
    static let chime: [UInt8] = {
        let sampleRate = 8_000.0
        let toneSamples = 1_600
        var samples: [Int16] = []
        samples.reserveCapacity(2 * toneSamples)
        for frequency in [659.25, 523.25] {
            for n in 0..<toneSamples {
                let t = Double(n) / sampleRate
                let attack = min(1, t / 0.005)
                let decay = exp(-t * 6)
                let release = min(1, Double(toneSamples - n) / 40) // 5 ms fade to silence
                samples.append(Int16(6_500 * attack * decay * release * sin(2 * .pi * frequency * t)))
            }
        }
        return MuLaw.encode(samples)
    }()
}
