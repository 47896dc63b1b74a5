import Metrics
import Testing
@testable import Calls

@Suite struct CallMeterTests {
    @Test(arguments: [("", 0), ("AA==", 1), ("AAA=", 2), ("AAAA", 3), (String(repeating: "A", count: 212) + "AA==", 160)])
    func decodedLength_fromBase64WithoutDecoding(base64: String, bytes: Int) {
        #expect(CallSession.decodedLength(ofBase64: base64) == bytes)
    }

    @Test func firstAudio_isMeasuredOncePerTurn_fromSpeechEnd() {
        let metrics = CallMetrics()
        var meter = CallMeter(metrics: metrics)
        meter.assistantAudio(bytes: 3, nowMs: 0)           // the greeting: no turn to measure
        meter.callerStoppedSpeaking(nowMs: 1_000)
        meter.assistantAudio(bytes: 3, nowMs: 1_250)       // measured: 0.25 s
        meter.assistantAudio(bytes: 3, nowMs: 1_300)       // same answer: not again
        meter.callerStoppedSpeaking(nowMs: 2_000)
        meter.callerStartedSpeaking()                      // talked on: nothing to measure
        meter.assistantAudio(bytes: 3, nowMs: 9_000)
        meter.callerAudio(bytes: 1)
        let gauges = CallMetrics.Gauges(activeCalls: 0, maxCalls: 1, pendingCalls: 0, draining: false, ready: true)
        #expect(metrics.render(gauges).contains("voice_bridge_media_frames_total{direction=\"from_caller\"} 0\n"),
                "counted in the call until it flushes")
        meter.flush()
        let text = metrics.render(.init(activeCalls: 0, maxCalls: 1, pendingCalls: 0, draining: false, ready: true))
        #expect(text.contains("voice_bridge_first_audio_seconds_count 1\n"))
        #expect(text.contains("voice_bridge_first_audio_seconds_sum 0.25\n"), "\(text)")
        #expect(text.contains("voice_bridge_media_frames_total{direction=\"to_caller\"} 4\n"))
        #expect(text.contains("voice_bridge_audio_bytes_total{direction=\"to_caller\"} 12\n"))
        #expect(text.contains("voice_bridge_media_frames_total{direction=\"from_caller\"} 1\n"))
        #expect(text.contains("voice_bridge_audio_bytes_total{direction=\"from_caller\"} 1\n"))
    }

    @Test func mediaCounts_reachTheMetricsEveryFewFrames_withoutWaitingForTheEnd() {
        let metrics = CallMetrics()
        var meter = CallMeter(metrics: metrics)
        let gauges = CallMetrics.Gauges(activeCalls: 1, maxCalls: 1, pendingCalls: 0, draining: false, ready: true)
        for _ in 0..<CallMeter.flushEvery { meter.callerAudio(bytes: 160) }
        #expect(metrics.render(gauges).contains("voice_bridge_media_frames_total{direction=\"from_caller\"} \(CallMeter.flushEvery)\n"))
        meter.callerAudio(bytes: 160)
        meter.flush()
        meter.flush()  // nothing more to tell
        #expect(metrics.render(gauges).contains("voice_bridge_audio_bytes_total{direction=\"from_caller\"} \(160 * (CallMeter.flushEvery + 1))\n"))
    }
}
