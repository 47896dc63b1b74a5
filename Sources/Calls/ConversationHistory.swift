import Realtime

/// What was said on a call so far, as text, kept to restore the conversation on a new provider
/// session after a mid-call drop. Bounded: the oldest utterances go first.
struct ConversationHistory {
    /// One finished utterance.
    struct Entry: Equatable {
        /// `caller` or `assistant`.
        var role: String
        var text: String
    }

    private(set) var entries: [Entry] = []
    private var characters = 0
    /// At most this many utterances are kept…
    var maxEntries = 60
    /// …and at most this much text (about 4 characters a token; the provider's context is finite).
    var maxCharacters = 24_000

    /// Records one utterance; empty text is ignored.
    mutating func append(role: String, _ text: String) {
        let trimmed = text.trimmingSpaces
        guard !trimmed.isEmpty else { return }
        entries.append(Entry(role: role, text: trimmed))
        characters += trimmed.count
        while entries.count > maxEntries || (characters > maxCharacters && entries.count > 1) {
            characters -= entries.removeFirst().text.count
        }
    }

    /// The `conversation.item.create` events that replay the history in `dialect`, oldest first.
    func restoreEvents(dialect: RealtimeDialect) -> [String] {
        entries.map { entry in
            entry.role == "caller" ? RealtimeClientEvent.conversationItemCreateUserText(entry.text)
                : RealtimeClientEvent.conversationItemCreateAssistantText(entry.text, dialect: dialect)
        }
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0.isWhitespace }
        return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
