import JSON
import Testing
@testable import Realtime

/// The state machine behind "a refused option costs only that option", without sockets.
@Suite struct SessionNegotiationTests {
    static let session = RealtimeClientEvent.session(RealtimeSessionOptions(instructions: "be brief", noiseReduction: "far_field"),
                                                     dialect: .ga)

    static func refusal(_ param: String?, eventId: String?, code: String = "unknown_parameter") -> RealtimeServerEvent {
        .error(type: "invalid_request_error", code: code, message: "Unknown parameter", param: param, eventId: eventId)
    }

    static func sent(_ action: SessionNegotiation.Action?) throws -> (session: JSON, id: String, retry: SessionNegotiation.Retry?) {
        guard case .send(let text, let retry)? = action else { throw NegotiationTestError(action: action) }
        let event = try JSON.parse(text)
        return (try #require(event["session"]), try #require(event["event_id"]?.stringValue), retry)
    }

    struct NegotiationTestError: Error { let action: SessionNegotiation.Action? }

    @Test func aRefusedField_isDroppedAndSentAgain_thenConfirmed() throws {
        var negotiation = SessionNegotiation(session: Self.session, dialect: .ga)
        let first = try Self.sent(negotiation.start())
        #expect(first.session["audio"]?["input"]?["noise_reduction"] != nil && first.retry == nil)
        let second = try Self.sent(negotiation.received(Self.refusal("session.audio.input.noise_reduction", eventId: first.id)))
        #expect(second.retry == .withoutField("audio.input.noise_reduction"))
        #expect(second.session["audio"]?["input"]?["noise_reduction"] == nil)
        #expect(second.session["audio"]?["input"]?["format"] != nil && second.session["instructions"] != nil)
        #expect(negotiation.received(.sessionUpdated(session: [:])) == .confirmed(refused: ["audio.input.noise_reduction"]))
        #expect(negotiation.isConfirmed)
    }

    @Test func errorsAboutSomethingElse_areNotItsBusiness() throws {
        var negotiation = SessionNegotiation(session: Self.session, dialect: .ga)
        _ = negotiation.start()
        #expect(negotiation.received(Self.refusal("audio_end_ms", eventId: "truncate_1")) == nil)
        #expect(negotiation.received(.speechStarted(itemId: nil, audioStartMs: nil)) == nil)
    }

    @Test func aRefusedAudioFormat_failsOver() throws {
        var negotiation = SessionNegotiation(session: Self.session, dialect: .ga)
        let first = try Self.sent(negotiation.start())
        guard case .failOver(let reason)? = negotiation.received(Self.refusal("session.audio.output.format", eventId: first.id)) else {
            Issue.record("a refused audio format must fail over"); return
        }
        #expect(reason.contains("audio format"))
    }

    @Test func afterThreeFields_theMinimalUpdate_andThenFailOver() throws {
        var negotiation = SessionNegotiation(session: Self.session, dialect: .ga)
        var last = try Self.sent(negotiation.start())
        for field in ["output_modalities", "audio.input.transcription", "audio.output.voice"] {
            last = try Self.sent(negotiation.received(Self.refusal("session." + field, eventId: last.id)))
            #expect(last.retry == .withoutField(field))
        }
        last = try Self.sent(negotiation.received(Self.refusal("session.audio.input.noise_reduction", eventId: last.id)))
        #expect(last.retry == .minimal)
        #expect(last.session == ["type": "realtime", "instructions": "be brief",
                                 "audio": ["input": ["format": ["type": "audio/pcmu"], "turn_detection": ["type": "server_vad"]],
                                           "output": ["format": ["type": "audio/pcmu"]]]])
        guard case .failOver? = negotiation.received(Self.refusal(nil, eventId: last.id, code: "invalid_request_error")) else {
            Issue.record("a refused minimal update must fail over"); return
        }
    }

    @Test func fieldsRefusedBefore_areLeftOutAtOnce_butNeverTheAudioFormat() throws {
        var negotiation = SessionNegotiation(session: Self.session, dialect: .ga,
                                             skipping: ["audio.input.noise_reduction", "audio.output.format"])
        let first = try Self.sent(negotiation.start())
        #expect(first.session["audio"]?["input"]?["noise_reduction"] == nil)
        #expect(first.session["audio"]?["output"]?["format"] != nil)
        #expect(negotiation.refused == ["audio.input.noise_reduction"])
    }

    @Test func paramsNameFields_arraysDropWhole() {
        #expect(SessionNegotiation.field(fromParam: "session.tools[2].meta") == "tools")
        #expect(SessionNegotiation.field(fromParam: "session.turn_detection.interrupt_response") == "turn_detection.interrupt_response")
        #expect(SessionNegotiation.field(fromParam: "session") == "")
    }
}
