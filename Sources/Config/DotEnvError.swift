/// Why a `.env` file could not be used.
public enum DotEnvError: Error, Equatable, CustomStringConvertible {
    /// Line `number` (1-based) is not blank, a comment, or a `KEY=VALUE` assignment.
    case malformedLine(number: Int, text: String)
    /// The file exists but could not be read; `reason` is the system's explanation.
    case unreadable(path: String, reason: String)

    /// A message for a person: where the problem is and how to fix it.
    ///
    /// A malformed line is quoted only up to its `=` (and at most 16 characters), because the
    /// rest is often an API key and this message ends up in logs.
    public var description: String {
        switch self {
        case .malformedLine(let number, let text):
            let reason: String
            if case .malformed(let why) = DotEnv.parseLine(text) {
                reason = why
            } else {
                reason = "expected KEY=VALUE"
            }
            return ".env line \(number) (\(Self.excerpt(of: text))) is malformed: \(reason) — "
                + "write it as KEY=VALUE, quote values with spaces or #, or start the line with # to comment it out"
        case .unreadable(let path, let reason):
            return "cannot read \(path): \(reason) — fix its permissions or remove it"
        }
    }

    private static func excerpt(of text: String) -> String {
        let trimmed = text.drop { $0 == " " || $0 == "\t" }
        let head = trimmed.prefix { $0 != "=" && $0 != " " && $0 != "\t" }
        if head.isEmpty { return "starting '\(trimmed.prefix(1))'" }
        return head.count > 16 ? "starting '\(head.prefix(16))…'" : "starting '\(head)'"
    }
}
