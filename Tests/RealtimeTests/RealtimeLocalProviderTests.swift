import Audio
import Foundation
import JSON
import Realtime
import Testing

@Suite("RealtimeLocalProvider")
struct RealtimeLocalProviderTests {
    static let silence = [UInt8](repeating: 0xFF, count: 8_000) // 1 s of μ-law zero

    /// `seconds` of a sine at speech level (amplitude 8 000 ≈ −12 dBFS), as μ-law.
    static func tone(hz: Double = 440, seconds: Double) -> [UInt8] {
        let count = Int(seconds * 8_000)
        return MuLaw.encode((0..<count).map { Int16(8_000 * sin(2 * .pi * hz * Double($0) / 8_000)) })
    }

    /// Feeds `audio` as 20 ms `input_audio_buffer.append` events; returns every server event, parsed.
    static func feed(_ provider: RealtimeLocalProvider, _ audio: [UInt8]) throws -> [JSON] {
        var events: [JSON] = []
        for start in stride(from: 0, to: audio.count, by: 160) {
            let frame = Data(audio[start..<min(start + 160, audio.count)]).base64EncodedString()
            for text in provider.receive(RealtimeClientEvent.appendAudio(base64: frame)) {
                // Every event must also decode on the bridge's own path.
                _ = try RealtimeServerEvent.decode(text)
                events.append(try JSON.parse(text))
            }
        }
        return events
    }

    static func types(_ events: [JSON]) -> [String] {
        events.compactMap { $0["type"]?.stringValue }
    }

    static func concatenatedAudio(_ events: [JSON]) -> [UInt8] {
        events.filter { $0["type"] == "response.output_audio.delta" }
            .flatMap { [UInt8](Data(base64Encoded: $0["delta"]?.stringValue ?? "") ?? Data()) }
    }

    static let responseTail = [
        "response.output_audio.done", "response.output_audio_transcript.done",
        "response.output_item.done", "response.done",
    ]

    @Test func start_sendsSessionCreated() throws {
        let events = RealtimeLocalProvider().start()
        #expect(events.count == 1)
        guard case .sessionCreated(let session) = try RealtimeServerEvent.decode(events[0]) else {
            Issue.record("not session.created")
            return
        }
        #expect(session["audio"]?["input"]?["format"]?["type"] == "audio/pcmu")
    }

    @Test func sessionUpdate_echoesTheSession() throws {
        let provider = RealtimeLocalProvider()
        let update = RealtimeClientEvent.sessionUpdate(RealtimeSessionOptions(instructions: "Be a parrot.", provider: "local"),
                                                       dialect: .ga)
        let events = provider.receive(update)
        #expect(events.count == 1)
        guard case .sessionUpdated(let session) = try RealtimeServerEvent.decode(events[0]) else {
            Issue.record("not session.updated")
            return
        }
        #expect(session["instructions"] == "Be a parrot.")
        #expect(session["audio"]?["output"]?["voice"] == "marin")
        #expect(session["model"] == "parrot")
    }

    @Test func sessionUpdate_rejectsFormatsOtherThanPCMU() throws {
        let events = RealtimeLocalProvider().receive(
            #"{"type":"session.update","session":{"audio":{"input":{"format":{"type":"audio/pcm","rate":24000}}}}}"#)
        guard case .error(_, let code, _, let param, _) = try RealtimeServerEvent.decode(events[0]) else {
            Issue.record("not an error")
            return
        }
        #expect(code == "invalid_value" && param == "session.audio.input.format")
    }

    @Test func speech_isDetectedAndRepeated() throws {
        let provider = RealtimeLocalProvider()
        let tone = Self.tone(seconds: 1)
        let input = Self.silence + tone + Self.silence
        let events = try Self.feed(provider, input)
        let types = Self.types(events)

        let deltaCount = types.filter { $0 == "response.output_audio.delta" }.count
        #expect(deltaCount >= 9)
        #expect(types == ["input_audio_buffer.speech_started", "input_audio_buffer.speech_stopped",
                          "input_audio_buffer.committed", "response.created", "response.output_item.added"]
            + Array(repeating: "response.output_audio.delta", count: deltaCount) + Self.responseTail)

        #expect(events[0]["audio_start_ms"]?.intValue == 1_000)
        #expect(events[1]["audio_end_ms"]?.intValue == 2_000)
        #expect(events[0]["item_id"] == events[2]["item_id"])
        let delta = try #require(events.first { $0["type"] == "response.output_audio.delta" })
        #expect(delta["content_index"] == 0 && delta["item_id"] != nil && delta["response_id"] != nil)
        #expect(events.last?["response"]?["status"] == "completed")
        #expect(events.last?["response"]?["usage"]?["total_tokens"] == 0)

        let echoed = Self.concatenatedAudio(events)
        // The utterance (1 s) plus at most the pre-roll, at least the utterance minus it.
        #expect(echoed.count >= 700 * 8 && echoed.count <= 1_300 * 8)
        let isLoud: (UInt8) -> Bool = { abs(Int(MuLaw.decode($0))) > 200 }
        let echoStart = try #require(echoed.firstIndex(where: isLoud))
        let toneStart = try #require(tone.firstIndex(where: isLoud))
        #expect(Array(echoed[echoStart..<(echoStart + 800)]) == Array(tone[toneStart..<(toneStart + 800)]))
        let transcript = events.first { $0["type"] == "response.output_audio_transcript.done" }?["transcript"]?.stringValue
        #expect(transcript == "(local parrot: \(echoed.count / 800 / 10).\(echoed.count / 800 % 10) s of audio repeated)")
    }

    @Test func silence_producesNoEvents() throws {
        let events = try Self.feed(RealtimeLocalProvider(), Self.silence + Self.silence + Self.silence)
        #expect(events.isEmpty)
    }

    @Test func longSpeech_isCappedAtFifteenSeconds() throws {
        let events = try Self.feed(RealtimeLocalProvider(), Self.tone(seconds: 17) + Self.silence)
        #expect(Self.concatenatedAudio(events).count == 15 * 8_000)
        #expect(Self.types(events).last == "response.done")
    }

    @Test func responseCreate_playsATwoToneChime() throws {
        let provider = RealtimeLocalProvider()
        let events = try provider.receive(RealtimeClientEvent.responseCreate(instructions: "Greet the caller"))
            .map { try JSON.parse($0) }
        #expect(Self.types(events) == ["response.created", "response.output_item.added",
                                       "response.output_audio.delta", "response.output_audio.delta",
                                       "response.output_audio.delta", "response.output_audio.delta"] + Self.responseTail)
        let chime = Self.concatenatedAudio(events).map { MuLaw.decode($0) }
        #expect(chime.count == 3_200) // 400 ms
        func zeroCrossings(_ samples: ArraySlice<Int16>) -> Int {
            zip(samples, samples.dropFirst()).filter { ($0 < 0) != ($1 < 0) }.count
        }
        // E5 (659 Hz) then C5 (523 Hz): about 264 and 209 crossings per 200 ms.
        let first = zeroCrossings(chime[0..<1_600])
        let second = zeroCrossings(chime[1_600...])
        #expect(abs(first - 264) <= 8 && abs(second - 209) <= 8, "\(first), \(second)")
        #expect(chime.map { abs(Int($0)) }.max() ?? 0 > 3_000)
    }

    @Test func truncate_acceptsPlayedAudioAndRejectsBeyondIt() throws {
        let provider = RealtimeLocalProvider()
        let events = try provider.receive(RealtimeClientEvent.responseCreate()).map { try JSON.parse($0) }
        let itemId = try #require(events.first { $0["type"] == "response.output_item.done" }?["item"]?["id"]?.stringValue)
        let ok = try JSON.parse(provider.receive(RealtimeClientEvent.truncate(itemId: itemId, audioEndMs: 200))[0])
        #expect(ok == ["type": "conversation.item.truncated", "event_id": ok["event_id"] ?? nil,
                       "item_id": .string(itemId), "content_index": 0, "audio_end_ms": 200])
        let tooFar = try RealtimeServerEvent.decode(provider.receive(RealtimeClientEvent.truncate(itemId: itemId, audioEndMs: 900))[0])
        #expect(tooFar == .error(type: "invalid_request_error", code: "invalid_value",
                                 message: "Audio content of 400ms is already shorter than 900ms",
                                 param: "audio_end_ms", eventId: nil))
    }

    @Test func responseCancel_isNotActiveError() throws {
        let events = RealtimeLocalProvider().receive(#"{"type":"response.cancel","event_id":"c1"}"#)
        #expect(try RealtimeServerEvent.decode(events[0])
            == .error(type: "invalid_request_error", code: "response_cancel_not_active",
                      message: "Cancellation failed: no active response found.", param: nil, eventId: "c1"))
    }

    @Test func unknownAndMalformedEvents_areInvalidRequestErrors() throws {
        let provider = RealtimeLocalProvider()
        for text in [#"{"type":"transcription_session.update","event_id":"c2"}"#, "not json", #"{"audio":"AAAA"}"#,
                     #"{"type":"input_audio_buffer.append","audio":"%%%"}"#] {
            let events = provider.receive(text)
            #expect(events.count == 1)
            guard case .error(let type, _, _, _, _) = try RealtimeServerEvent.decode(events[0]) else {
                Issue.record("no error for \(text)")
                continue
            }
            #expect(type == "invalid_request_error")
        }
        let unknown = try JSON.parse(provider.receive(#"{"type":"transcription_session.update","event_id":"c2"}"#)[0])
        #expect(unknown["error"]?["param"] == "type" && unknown["error"]?["event_id"] == "c2")
    }

    @Test func commitAndClear_followTheBuffer() throws {
        let provider = RealtimeLocalProvider()
        let empty = try JSON.parse(provider.receive(#"{"type":"input_audio_buffer.commit"}"#)[0])
        #expect(empty["error"]?["code"] == "input_audio_buffer_commit_empty")
        _ = try Self.feed(provider, Self.tone(seconds: 0.5))
        let committed = Self.types(try provider.receive(#"{"type":"input_audio_buffer.commit"}"#).map { try JSON.parse($0) })
        #expect(Array(committed.prefix(4)) == ["input_audio_buffer.speech_stopped", "input_audio_buffer.committed",
                                               "response.created", "response.output_item.added"])
        _ = try Self.feed(provider, Self.tone(seconds: 0.5))
        #expect(try JSON.parse(provider.receive(#"{"type":"input_audio_buffer.clear"}"#)[0])["type"] == "input_audio_buffer.cleared")
        #expect(try Self.feed(provider, Self.silence).isEmpty) // the cleared speech never ends in a reply
    }

    @Test func itemCreate_isAddedAndDone() throws {
        let provider = RealtimeLocalProvider()
        let events = try provider.receive(RealtimeClientEvent.functionCallOutput(callId: "call_1", output: "42"))
            .map { try JSON.parse($0) }
        #expect(Self.types(events) == ["conversation.item.added", "conversation.item.done"])
        #expect(events[1]["item"]?["call_id"] == "call_1" && events[1]["item"]?["id"] != nil)
    }
}
