import Testing
@testable import Calls

@Suite struct AudioDeltaIdsTests {
    private func item(_ ids: inout AudioDeltaIds, _ text: String?) -> String? {
        guard var text else { return ids.itemId(nil) }
        return text.withUTF8 { ids.itemId(UnsafeRawBufferPointer($0)) }
    }

    @Test func ids_readAsTheBytesSay_whetherReusedOrNew() {
        var ids = AudioDeltaIds()
        for text in ["item_CBx1234567890abcdefghij", "item_CBx1234567890abcdefghij", "item_CBx1234567890abcdefghiJ",
                     "i", "", "item_CBx1234567890abcdefghij", nil, "é"] as [String?] {
            #expect(item(&ids, text) == text)
        }
        var response = "resp_1"
        #expect(response.withUTF8 { ids.responseId(UnsafeRawBufferPointer($0)) } == "resp_1")
        #expect(ids.responseId(nil) == nil)
    }
}

@Suite struct MarkSuffixTests {
    @Test func markSuffix_writesWhatStringWould() {
        for ms in [0, 1, 9, 10, 240, 99_999, 1 << 40, -1, -240, Int.max, Int.min] {
            let written = withUnsafeTemporaryAllocation(byteCount: 24, alignment: 1) { room in
                String(decoding: CallSession.markSuffix(ms: ms, into: room), as: UTF8.self)
            }
            #expect(written == ":" + String(ms))
        }
    }

    @Test func markName_isWhatMarkEchoedParses() {
        var playback = AssistantPlayback()
        let ms = playback.record(bytes: 800, itemId: "item_a", responseId: "r1", nowMs: 0)
        #expect(AssistantPlayback.markName(itemId: "item_a", ms: ms) == "item_a:100")
        let counted = playback.markEchoed("item_a:100")
        #expect(counted)
        #expect(playback.heard("item_a") == 100)
    }
}
