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
