import JSON
import Testing
@testable import Live

/// `session.start` → `session.started`, the fallback from μ-law to PCM16, and fail-over.
@Suite struct LiveStartTests {
    func started(_ format: String?) throws -> LiveServerEvent {
        let audio = format.map { #","audio":{"format":\#($0)}"# } ?? ""
        return try LiveServerEvent.decode(#"{"type":"session.started","event_id":"e1","session":{"id":"live_1"\#(audio)}}"#)
    }

    func sent(_ action: LiveStart.Action?) throws -> JSON {
        guard case .send(let text)? = action else { Issue.record("not a send: \(String(describing: action))"); return .null }
        return try JSON.parse(text)
    }

    @Test func startsInMuLaw_andRunsInTheFormatTheServiceEchoes() throws {
        var start = LiveStart(config: LiveSessionConfig(model: "gpt-live-1"))
        let first = try sent(start.start())
        #expect(first["type"] == "session.start" && first["event_id"] == "session_start_1")
        #expect(first["session"]?["audio"]?["format"] == ["type": "audio/pcmu", "rate": 8000])
        #expect(try start.received(LiveServerEvent.decode(#"{"type":"session.output_audio.delta","delta":"AAAA"}"#)) == nil)
        #expect(try start.received(started(#"{"type":"audio/pcmu","rate":8000}"#)) == .started(format: .pcmu))
        #expect(start.isStarted && start.pendingEventId == nil)
        #expect(try start.received(started(nil)) == nil, "once started, the rest is the call's")
    }

    @Test func aRefusedFormat_isAskedAgainAsPCM16At24kHz_onTheSameSocket() throws {
        var start = LiveStart(config: LiveSessionConfig(model: "gpt-live-1"))
        _ = start.start()
        let refusal = try LiveServerEvent.decode(#"{"type":"error","error":{"type":"invalid_request_error","code":"invalid_value","message":"Unsupported audio format","param":"session.audio.format.type","client_event_id":"session_start_1"}}"#)
        let second = try sent(start.received(refusal))
        #expect(second["session"]?["audio"]?["format"] == ["type": "audio/pcm", "rate": 24000])
        #expect(second["event_id"] == "session_start_2" && start.refusedFormats == [.pcmu])
        #expect(try start.received(started(nil)) == .started(format: .pcm24000), "no echo: the format asked for")
    }

    @Test func otherRefusals_aSecondFormatRefusal_andPCMA_failOver() throws {
        var keyRefused = LiveStart(config: LiveSessionConfig(model: "gpt-live-1"))
        _ = keyRefused.start()
        let invalidModel = try LiveServerEvent.decode(#"{"type":"error","error":{"type":"invalid_request_error","code":"invalid_model","message":"No such model","client_event_id":"session_start_1"}}"#)
        guard case .failOver(let reason)? = keyRefused.received(invalidModel) else { Issue.record("no fail-over"); return }
        #expect(reason.contains("invalid_model"))

        var twice = LiveStart(config: LiveSessionConfig(model: "gpt-live-1"))
        _ = twice.start()
        let formatError = #"{"type":"error","error":{"type":"invalid_request_error","code":"invalid_value","message":"bad format","param":"session.audio.format"}}"#
        _ = try twice.received(LiveServerEvent.decode(formatError))
        guard case .failOver? = try twice.received(LiveServerEvent.decode(formatError)) else { Issue.record("PCM16 refused too"); return }

        var alaw = LiveStart(config: LiveSessionConfig(model: "gpt-live-1"))
        _ = alaw.start()
        guard case .failOver? = try alaw.received(started(#"{"type":"audio/pcma","rate":8000}"#)) else { Issue.record("A-law"); return }

        var closed = LiveStart(config: LiveSessionConfig(model: "gpt-live-1"))
        _ = closed.start()
        guard case .failOver? = try closed.received(LiveServerEvent.decode(#"{"type":"session.closed","reason":"content","usage":{"seconds":0}}"#)) else {
            Issue.record("closed before started"); return
        }
    }

    @Test func anErrorAboutAnotherEvent_isNotTheStarts() throws {
        var start = LiveStart(config: LiveSessionConfig(model: "gpt-live-1"))
        _ = start.start()
        let other = try LiveServerEvent.decode(#"{"type":"error","error":{"type":"invalid_request_error","code":"x","message":"m","client_event_id":"e7"}}"#)
        #expect(start.received(other) == nil)
        #expect(start.pendingEventId == "session_start_1")
    }
}
