import Calls
import JSON
import Testing

/// The `data` of call events: what the "call started" and "call ended" lines say, as JSON.
@Suite struct CallSummaryTests {
    static func summary() -> CallSummary {
        CallSummary(callSid: "CA1", streamSid: "MZ1", from: "+15550100", to: "+15550199", agent: "sales",
                    direction: .outbound, metadata: JSONObject([("ticket", "T-42")]))
    }

    @Test func started_carriesTheCallsFacts_andNothingOfItsEnd() {
        let data = Self.summary().eventData
        #expect(data.keys == ["call_sid", "stream_sid", "from", "to", "agent", "direction", "metadata"])
        #expect(data["direction"]?.stringValue == "outbound" && data["agent"]?.stringValue == "sales")
        #expect(data["metadata"]?["ticket"]?.stringValue == "T-42")
    }

    @Test func ended_addsOutcomeDurationUsageCostTranscriptAndRecording() {
        var summary = Self.summary()
        summary.agent = nil
        var transcript = CallTranscript()
        transcript.append(role: "assistant", text: "Hello!", time: "2025-01-01T00:00:00.000Z")
        summary.ending = .init(outcome: "caller_hung_up", durationSeconds: 12.34, usage: [("audio_in", 120), ("text_out", 7)],
                               costUSD: 0.012345, transcript: transcript, recordingFile: nil)
        let data = summary.eventData
        #expect(data.keys == ["call_sid", "stream_sid", "from", "to", "agent", "direction", "metadata", "outcome", "duration_s",
                              "usage", "cost_usd_est", "transcript", "transcript_truncated", "recording_file"])
        #expect(data["agent"]?.isNull == true && data["recording_file"]?.isNull == true)
        #expect(data["duration_s"]?.doubleValue == 12.3 && data["cost_usd_est"]?.doubleValue == 0.0123)
        #expect(data["usage"]?["audio_in"]?.intValue == 120 && data["usage"]?["text_out"]?.intValue == 7)
        #expect(JSON.array(data["transcript"]?.arrayValue ?? []).serialized()
                == #"[{"role":"assistant","text":"Hello!","time":"2025-01-01T00:00:00.000Z"}]"#)
        #expect(data["transcript_truncated"]?.boolValue == false)
    }

    @Test func ended_withoutTranscripts_hasNoTranscriptField() {
        var summary = Self.summary()
        summary.ending = .init(outcome: "completed", durationSeconds: 1, usage: [], costUSD: nil, transcript: nil, recordingFile: nil)
        #expect(summary.eventData["transcript"] == nil && summary.eventData["cost_usd_est"]?.isNull == true)
    }

    @Test func transcript_keepsAtMostItsBounds_andSaysTruncated() {
        var byCount = CallTranscript(maxUtterances: 3, maxBytes: 1_000)
        for n in 0..<5 { byCount.append(role: "caller", text: "line \(n)", time: "t") }
        #expect(byCount.utterances.map(\.text) == ["line 0", "line 1", "line 2"] && byCount.truncated)

        var bySize = CallTranscript(maxUtterances: 100, maxBytes: 10)
        bySize.append(role: "caller", text: "12345", time: "t")
        bySize.append(role: "assistant", text: "123456", time: "t")
        bySize.append(role: "caller", text: "1", time: "t")  // would fit, but the record stays a prefix
        #expect(bySize.utterances.map(\.text) == ["12345"] && bySize.truncated)

        var fits = CallTranscript()
        fits.append(role: "caller", text: "hi", time: "t")
        #expect(!fits.truncated && fits.utterances.count == 1)
    }
}
