import Testing
@testable import Calls
import JSON
import Realtime

/// The transcript kept for restoring a conversation, and the check's lines.
@Suite struct ConversationHistoryTests {
    @Test func restore_inOrder_perDialect() throws {
        var h = ConversationHistory()
        h.append(role: "assistant", "Hello!")
        h.append(role: "caller", "  I need help  ")
        h.append(role: "caller", "   ")
        let ga = try h.restoreEvents(dialect: .ga).map { try JSON.parse($0) }
        #expect(ga.count == 2)
        #expect(ga[0]["item"]?["role"]?.stringValue == "assistant")
        #expect(ga[0]["item"]?["content"]?[0]?["type"]?.stringValue == "output_text")
        #expect(ga[1]["item"]?["content"]?[0]?["type"]?.stringValue == "input_text")
        #expect(ga[1]["item"]?["content"]?[0]?["text"]?.stringValue == "I need help")
        let beta = try JSON.parse(h.restoreEvents(dialect: .beta)[0])
        #expect(beta["item"]?["content"]?[0]?["type"]?.stringValue == "text")
    }

    @Test func bounded_dropsTheOldest() {
        var h = ConversationHistory()
        h.maxEntries = 3
        for i in 1...5 { h.append(role: "caller", "u\(i)") }
        #expect(h.entries.map(\.text) == ["u3", "u4", "u5"])
        h.maxCharacters = 5
        h.append(role: "assistant", "abcd")
        #expect(h.entries.map(\.text) == ["abcd"])
    }
}
