import Base64
import JSON
import Live
import Testing
@testable import Realtime

/// The parrot in GPT-Live's protocol: what `VOICE_API=live` runs without keys.
@Suite struct LiveLocalProviderTests {
    func types(_ events: [String]) -> [String] { events.compactMap { try? JSON.parse($0)["type"]?.stringValue } }

    @Test func startGreetRepeatClose() throws {
        let parrot = LiveLocalProvider()
        #expect(parrot.start().isEmpty, "nothing before session.start")
        #expect(types(parrot.receive(#"{"type":"session.input_audio.append","audio":"AAAA"}"#)) == ["error"])
        let config = LiveSessionConfig(model: "parrot")
        let started = parrot.receive(LiveClientEvent.sessionStart(config, eventId: "s1"))
        guard case .sessionStarted(_, let format) = try LiveServerEvent.decode(started[0]) else { Issue.record("\(started)"); return }
        #expect(format == .pcmu)
        let greeting = parrot.receive(LiveClientEvent.commentaryAppend(content: "Hello", delegationId: nil))
        #expect(types(greeting).prefix(2) == ["session.commentary.appended", "session.output_transcript.delta"])
        #expect(types(greeting).dropFirst(2).allSatisfy { $0 == "session.output_audio.delta" } && greeting.count > 3)

        // One second of a loud tone, then silence: the parrot says it back.
        let tone = (0..<8_000).map { UInt8($0 % 2 == 0 ? 0x10 : 0x90) }
        var replies: [String] = []
        for frame in stride(from: 0, to: tone.count, by: 160) {
            replies += parrot.receive(LiveClientEvent.inputAudioAppend(base64: tone[frame..<frame + 160].withUnsafeBytes { Base64.encode($0) }))
        }
        for _ in 0..<60 {
            replies += parrot.receive(LiveClientEvent.inputAudioAppend(base64: [UInt8](repeating: 0xFF, count: 160).withUnsafeBytes { Base64.encode($0) }))
        }
        #expect(types(replies).contains("session.input_transcript.delta"))
        var echoed: [UInt8] = []
        for event in replies {
            if case .outputAudioDelta(let delta) = try LiveServerEvent.decode(event) { echoed += Base64.decode(delta) ?? [] }
        }
        #expect(echoed.count >= 7_000 && echoed.contains(0x10), "the caller's words come back")
        let closed = parrot.receive(LiveClientEvent.sessionClose())
        guard case .sessionClosed(let reason, let seconds) = try LiveServerEvent.decode(closed[0]) else { Issue.record("\(closed)"); return }
        #expect(reason == "close_requested" && seconds == 2)
        #expect(parrot.receive(LiveClientEvent.sessionClose()).isEmpty)
    }

    @Test func otherFormats_andResponsesCommands_areRefusedAsTheServiceWould() throws {
        let parrot = LiveLocalProvider()
        let refused = parrot.receive(LiveClientEvent.sessionStart(LiveSessionConfig(model: "parrot", format: .pcm24000)))
        guard case .error(_, let code, _, let param, _) = try LiveServerEvent.decode(refused[0]) else { Issue.record("\(refused)"); return }
        #expect(code == "invalid_value" && param == "session.audio.format")
        _ = parrot.receive(LiveClientEvent.sessionStart(LiveSessionConfig(model: "parrot")))
        #expect(types(parrot.receive(LiveClientEvent.responseCreate())) == ["error"])
        #expect(types(parrot.receive(LiveClientEvent.thinkingAppend(content: "pressed 5", delegationId: nil))) == ["session.thinking.appended"])
    }
}
