import Testing
@testable import Calls

@Suite struct AssistantAudioCoalescerTests {
    @Test func deltasOfOneItem_joinIntoOneChunk_untilTaken() {
        var c = AssistantAudioCoalescer(maxBytes: 800)
        #expect(c.add("AAAA", bytes: 3, itemId: "item_a", responseId: "r1") == nil)
        #expect(c.add("BBBB", bytes: 3, itemId: "item_a", responseId: "r1") == nil)
        #expect(c.take() == .init(payload: "AAAABBBB", bytes: 6, itemId: "item_a", responseId: "r1"))
        #expect(c.isEmpty && c.take() == nil)
    }

    @Test func aNewItem_aPaddedDelta_orTheSizeBound_sendTheWaitingChunkFirst() {
        var c = AssistantAudioCoalescer(maxBytes: 6)
        _ = c.add("AAAA", bytes: 3, itemId: "item_a", responseId: "r1")
        #expect(c.add("BBBB", bytes: 3, itemId: "item_b", responseId: "r1")?.payload == "AAAA", "another item")
        _ = c.add("CC==", bytes: 1, itemId: "item_b", responseId: "r1")  // joins: BBBB has no padding
        #expect(c.add("DDDD", bytes: 3, itemId: "item_b", responseId: "r1")?.payload == "BBBBCC==",
                "base64 after padding cannot be joined")
        _ = c.add("EEEE", bytes: 3, itemId: "item_b", responseId: "r1")
        #expect(c.add("FFFF", bytes: 3, itemId: "item_b", responseId: "r2") == .init(payload: "DDDDEEEE", bytes: 6, itemId: "item_b", responseId: "r1"),
                "past maxBytes")
    }

    @Test func discard_dropsTheWaitingAudio() {
        var c = AssistantAudioCoalescer(maxBytes: 800)
        _ = c.add("AAAA", bytes: 3, itemId: "item_a", responseId: nil)
        c.discard()
        #expect(c.take() == nil)
        #expect(c.add("BBBB", bytes: 3, itemId: "item_a", responseId: nil) == nil)
        #expect(c.take()?.bytes == 3)
    }
}
