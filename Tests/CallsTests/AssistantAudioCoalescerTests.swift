import Testing
@testable import Calls

@Suite struct AssistantAudioCoalescerTests {
    @Test func deltasOfOneItem_joinIntoOneChunk_untilTaken() {
        var c = AssistantAudioCoalescer(maxBytes: 800)
        #expect(c.add("AAAA", bytes: 3, itemId: "item_a", responseId: "r1") == nil)
        #expect(c.add("BBBB", bytes: 3, itemId: "item_a", responseId: "r1") == nil)
        #expect(c.take() == .init(payload: Array("AAAABBBB".utf8), bytes: 6, itemId: "item_a", responseId: "r1"))
        #expect(c.isEmpty && c.take() == nil)
    }

    @Test func aNewItem_aPaddedDelta_orTheSizeBound_sendTheWaitingChunkFirst() {
        var c = AssistantAudioCoalescer(maxBytes: 6)
        _ = c.add("AAAA", bytes: 3, itemId: "item_a", responseId: "r1")
        #expect(c.add("BBBB", bytes: 3, itemId: "item_b", responseId: "r1")?.payload == Array("AAAA".utf8), "another item")
        _ = c.add("CC==", bytes: 1, itemId: "item_b", responseId: "r1")  // joins: BBBB has no padding
        #expect(c.add("DDDD", bytes: 3, itemId: "item_b", responseId: "r1")?.payload == Array("BBBBCC==".utf8),
                "base64 after padding cannot be joined")
        _ = c.add("EEEE", bytes: 3, itemId: "item_b", responseId: "r1")
        #expect(c.add("FFFF", bytes: 3, itemId: "item_b", responseId: "r2") == .init(payload: Array("DDDDEEEE".utf8), bytes: 6, itemId: "item_b", responseId: "r1"),
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

    /// Chunks taken one after another use the two buffers in turn: once a chunk is gone, its
    /// buffer takes the next audio in place (no allocation per delta), and the bytes match a
    /// `String` delta's.
    @Test func chunks_reuseTwoBuffers_andMatchStringDeltas() {
        var c = AssistantAudioCoalescer(maxBytes: 800)
        var seen: [UnsafeRawPointer?] = []
        for round in 0..<6 {
            let text = String(repeating: round % 2 == 0 ? "QUJD" : "/+9a", count: 54)
            var bytes = Array(text.utf8)
            let viaBytes = bytes.withUnsafeBytes { c.add($0, bytes: 162, itemId: "item_a", responseId: "r1") }
            #expect(viaBytes == nil)
            guard let chunk = c.take() else { Issue.record("no chunk"); return }
            #expect(chunk.payload == Array(text.utf8))
            seen.append(chunk.payload.withUnsafeBytes { $0.baseAddress })
            bytes.removeAll()
        }
        #expect(seen[2] == seen[0] && seen[4] == seen[0] && seen[3] == seen[1] && seen[0] != seen[1])
        var viaString = AssistantAudioCoalescer(maxBytes: 800)
        _ = viaString.add("QUJD", bytes: 3, itemId: "item_a", responseId: nil)
        var viaRaw = AssistantAudioCoalescer(maxBytes: 800)
        _ = Array("QUJD".utf8).withUnsafeBytes { viaRaw.add($0, bytes: 3, itemId: "item_a", responseId: nil) }
        #expect(viaString.take() == viaRaw.take())
    }
}
