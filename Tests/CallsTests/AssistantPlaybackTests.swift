import Testing
@testable import Calls

@Suite struct AssistantPlaybackTests {
    /// Sends `chunks` chunks of 100 ms (800 bytes) of `item`; returns the mark names.
    func send(_ p: inout AssistantPlayback, item: String, response: String, chunks: Int) -> [String] {
        (0..<chunks).map { _ in p.sent(bytes: 800, itemId: item, responseId: response, nowMs: 0) }
    }

    @Test func marks_nameTheItemAndTheCumulativeMilliseconds() {
        var p = AssistantPlayback()
        #expect(send(&p, item: "item_a", response: "r1", chunks: 3) == ["item_a:100", "item_a:200", "item_a:300"])
        #expect(p.sentMs("item_a") == 300)
        #expect(p.outstandingMarks == 3)
        #expect(p.isPlaying)
    }

    @Test func echoes_ofAnEarlierItem_countForIt_andAnItemThatComesBackResumesItsCounts() {
        var p = AssistantPlayback()
        let first = send(&p, item: "item_a", response: "r1", chunks: 3)
        let second = send(&p, item: "item_b", response: "r1", chunks: 2)
        for name in first + second { p.markEchoed(name) }
        #expect(p.heard("item_a") == 300 && p.sentMs("item_a") == 300)
        #expect(p.heard("item_b") == 200 && p.currentItemId == "item_b")
        #expect(send(&p, item: "item_a", response: "r2", chunks: 1) == ["item_a:400"], "item_a's count goes on")
        #expect(p.sentMs("item_b") == 200 && p.heard("item_b") == 200)
        p.markEchoed("item_unknown:100")
        #expect(p.heard("item_unknown") == 0, "an item never sent is not remembered")
        let foreign = p.markEchoed("item_a:x")
        #expect(!foreign, "not a mark of ours")
        // Only the last few items are remembered.
        for index in 0..<20 { _ = send(&p, item: "item_\(index)", response: "r3", chunks: 1) }
        #expect(p.sentMs("item_a") == 0 && p.sentMs("item_19") == 100 && p.sentMs("item_18") == 100)
    }

    @Test func bargeIn_truncatesAtTheLastPlayedMark_andDiscardsTheFlushedEchoes() {
        var p = AssistantPlayback()
        let marks = send(&p, item: "item_a", response: "r1", chunks: 30)  // 3 s
        for name in marks.prefix(12) {  // 1.2 s played
            let counted = p.markEchoed(name)
            #expect(counted)
        }
        let decision = p.callerStartedSpeaking()
        #expect(decision.clear)
        #expect(decision.truncate?.itemId == "item_a")
        #expect(decision.truncate?.audioEndMs == 1200)
        #expect(decision.interruptedResponseId == "r1")
        // Twilio returns the 18 marks the clear flushed: none of them counts as heard.
        for name in marks.suffix(18) {
            let counted = p.markEchoed(name)
            #expect(!counted)
        }
        #expect(p.heard("item_a") == 1200)
        #expect(!p.isPlaying)
        #expect(p.isInterrupted(responseId: "r1", itemId: nil))
        #expect(p.isInterrupted(responseId: nil, itemId: "item_a"))
        #expect(!p.isInterrupted(responseId: "r2", itemId: "item_b"))
    }

    @Test func bargeIn_skipsTheTruncateWhenNothingWasHeard() {
        var p = AssistantPlayback()
        _ = send(&p, item: "item_a", response: "r1", chunks: 5)
        let decision = p.callerStartedSpeaking()
        #expect(decision.clear, "queued audio is still flushed")
        #expect(decision.truncate == nil, "a truncate at 0 ms is refused by the provider")
    }

    @Test func bargeIn_doesNothingWhenAllAudioHasPlayed() {
        var p = AssistantPlayback()
        for name in send(&p, item: "item_a", response: "r1", chunks: 4) { p.markEchoed(name) }
        let decision = p.callerStartedSpeaking()
        #expect(!decision.clear)
        #expect(decision.truncate == nil)
        #expect(!p.isInterrupted(responseId: "r1", itemId: "item_a"))
    }

    @Test func heard_isNeverMoreThanSent() {
        var p = AssistantPlayback()
        _ = send(&p, item: "item_a", response: "r1", chunks: 2)
        p.markEchoed("item_a:99999")  // a forged or stale name cannot exceed what was sent
        #expect(p.heard("item_a") == 200)
    }

    @Test func decodedLength_ofBase64() {
        #expect(CallSession.decodedLength(ofBase64: "") == 0)
        #expect(CallSession.decodedLength(ofBase64: "AAAA") == 3)
        #expect(CallSession.decodedLength(ofBase64: "AAA=") == 2)
        #expect(CallSession.decodedLength(ofBase64: "AA==") == 1)
        #expect(CallSession.decodedLength(ofBase64: String(repeating: "/", count: 1068)) == 801)
    }

    @Test func estimate_queuesAudioBackToBack_at8000BytesASecond() {
        var p = AssistantPlayback()
        _ = p.sent(bytes: 1_600, itemId: "item_a", responseId: "r1", nowMs: 1_000)
        #expect(p.remainingMs(nowMs: 1_000) == 200)
        _ = p.sent(bytes: 800, itemId: "item_a", responseId: "r1", nowMs: 1_100)  // queued behind the first
        #expect(p.playedOutAtMs == 1_300)
        _ = p.sent(bytes: 8_000, itemId: "item_b", responseId: "r2", nowMs: 5_000)  // after a silence
        #expect(p.remainingMs(nowMs: 5_000) == 1_000)
        #expect(p.remainingMs(nowMs: 9_000) == 0)
    }
}
