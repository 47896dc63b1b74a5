import JSON
import Net
import Testing
@testable import Calls

@Suite struct CallWatchTests {
    static func summary(_ sid: String) -> CallSummary {
        CallSummary(callSid: sid, streamSid: "MZ1", from: "+15550100", to: "+15550199", agent: "front-desk", direction: .inbound)
    }

    static func ended(_ sid: String) -> CallSummary {
        var summary = summary(sid)
        summary.ending = .init(outcome: "completed", durationSeconds: 12.34, usage: [("responses", 3)], costUSD: 0.01234,
                               transcript: nil, recordingFile: nil)
        return summary
    }

    @Test func watcher_getsSnapshotThenEachEvent() {
        let watch = CallWatch(includesText: true)
        watch.post("CA1", .started(Self.summary("CA1"), provider: "openai"))
        var messages: [String] = []
        let snapshot = watch.subscribe(ObjectIdentifier(CallWatchTests.Token.shared)) { messages.append($0) }
        #expect(snapshot.contains(#""call_sid":"CA1""#) && snapshot.contains(#""agent":"front-desk""#))
        watch.post("CA1", .utterance(role: "caller", text: "hello there", phase: nil))
        watch.post("CA1", .bargeIn(heardMs: 840))
        watch.post("CA1", .toolCalled(callId: "c1", name: "lookup", arguments: #"{"id":"7"}"#))
        watch.post("CA1", .toolAnswered(callId: "c1", name: "lookup", outcome: "ok", output: "found", ms: 120))
        watch.post("CA1", .ended(Self.ended("CA1")))  // a header: the state changed
        #expect(messages.count == 5)
        #expect(messages[0].contains(#""text":"hello there""#))
        #expect(messages[1].contains(#""kind":"barge_in""#) && messages[1].contains(#""heard_ms":840"#))
        #expect(messages[2].contains(#""arguments":"{\"id\":\"7\"}""#))
        #expect(messages[3].contains(#""ms":120"#) && messages[3].contains(#""result":"found""#))
        #expect(messages[4].contains(#""outcome":"completed""#) && messages[4].contains(#""cost_usd_est":0.0123"#))
        watch.unsubscribe(ObjectIdentifier(CallWatchTests.Token.shared))
        watch.post("CA1", .utterance(role: "assistant", text: "bye", phase: nil))
        #expect(messages.count == 5)
    }

    @Test func withoutTranscripts_textIsLeftOut() {
        let watch = CallWatch(includesText: false)
        var messages: [String] = []
        _ = watch.subscribe(ObjectIdentifier(CallWatchTests.Token.shared)) { messages.append($0) }
        watch.post("CA1", .started(Self.summary("CA1"), provider: "local"))
        watch.post("CA1", .utterance(role: "caller", text: "my card is 4111", phase: nil))
        watch.post("CA1", .toolCalled(callId: "c1", name: "lookup", arguments: #"{"card":"4111"}"#))
        #expect(!messages.joined().contains("4111"))
        #expect(messages[1].contains(#""chars":15"#) && messages[1].contains(#""text":null"#))
    }

    @Test func endedCalls_areForgottenAfterTheirRetention_andTimelinesAreBounded() {
        let clock = ManualClock()
        var limits = CallWatch.Limits()
        limits.maxItemsPerCall = 3
        limits.endedRetentionMs = 60_000
        let watch = CallWatch(includesText: true, limits: limits, clock: .manual(clock))
        watch.post("CA1", .started(Self.summary("CA1"), provider: "local"))
        for index in 0..<10 { watch.post("CA1", .utterance(role: "caller", text: "line \(index)", phase: nil)) }
        let snapshot = watch.subscribe(ObjectIdentifier(CallWatchTests.Token.shared)) { _ in }
        #expect(!snapshot.contains("line 6") && snapshot.contains("line 7") && snapshot.contains("line 9"))
        watch.post("CA1", .ended(Self.ended("CA1")))
        watch.post("CA2", .started(Self.summary("CA2"), provider: "local"))
        #expect(watch.listedCalls == 2)
        clock.advance(ms: 60_000)
        watch.post("CA3", .started(Self.summary("CA3"), provider: "local"))
        #expect(watch.listedCalls == 2)  // CA1 went; CA2 is live
    }

    @Test func unknownCalls_andEmptyCallSids_areIgnored() {
        let watch = CallWatch(includesText: true)
        watch.post("", .started(Self.summary(""), provider: "local"))
        watch.post("CA9", .utterance(role: "caller", text: "x", phase: nil))
        #expect(watch.listedCalls == 0)
    }

    final class Token: Sendable { static let shared = Token() }
}
