import Testing
@testable import Calls

@Suite struct LiveTranscriptTurnsTests {
    @Test func fragments_becomeATurn_afterTheGap() {
        var t = LiveTranscriptTurns(gapMs: 800)
        #expect(t.add(role: "assistant", "Hello,", nowMs: 0).isEmpty)
        #expect(t.add(role: "assistant", " this is", nowMs: 200).isEmpty)
        #expect(t.add(role: "assistant", " the model.", nowMs: 400).isEmpty)
        #expect(t.finished(nowMs: 1_100).isEmpty, "not quiet long enough")
        #expect(t.finished(nowMs: 1_200) == [.init(role: "assistant", text: "Hello, this is the model.")])
        #expect(t.isEmpty)
    }

    @Test func interleavedSpeakers_keepTheirOwnTurns_andEndTheEarlierFirst() {
        var t = LiveTranscriptTurns(gapMs: 800)
        _ = t.add(role: "assistant", "Let me", nowMs: 0)
        _ = t.add(role: "caller", "hello", nowMs: 100)
        _ = t.add(role: "assistant", " check.", nowMs: 200)
        _ = t.add(role: "caller", " there", nowMs: 300)
        #expect(t.add(role: "caller", " again", nowMs: 2_000) == [.init(role: "assistant", text: "Let me check."),
                                                                 .init(role: "caller", text: "hello there")])
        #expect(t.finished(nowMs: 2_100, force: true) == [.init(role: "caller", text: "again")])
    }
}
