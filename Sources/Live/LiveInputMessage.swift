import JSON

/// One message of a session's startup history, `session.input` (GPT-LIVE.md §3; SDK
/// `types/live/initial_item.py`): text only, one part, at most 128 messages in all.
///
/// The part's type follows the role, as in the Responses API: `input_text` for developer and
/// user messages, `output_text` for the assistant's (the SDK also takes a bare `text` there).
public struct LiveInputMessage: Equatable, Sendable {
    /// Who said it.
    public enum Role: String, Equatable, Sendable {
        /// Trusted context from the application (e.g. who is calling).
        case developer
        /// What the caller said earlier.
        case user
        /// What the assistant said earlier.
        case assistant
    }

    /// Who said it.
    public var role: Role
    /// What was said.
    public var text: String

    /// A message of `role` saying `text`.
    public init(role: Role, text: String) {
        self.role = role
        self.text = text
    }

    /// `{"type":"message","role":…,"content":[{"type":"input_text"|"output_text","text":…}]}`.
    public var json: JSON {
        let part = role == .assistant ? "output_text" : "input_text"
        return [
            "type": "message",
            "role": .string(role.rawValue),
            "content": [["type": .string(part), "text": .string(text)]],
        ]
    }
}
