/// Why a `.env` file could not be used.
///
/// No case holds or prints any text of the file: a malformed line is often a secret pasted on
/// its own line, and this message ends up in logs and terminals. The line number is enough to
/// find it.
public enum DotEnvError: Error, Equatable, CustomStringConvertible {
    /// Line `number` (1-based) of the file at `path` is not blank, a comment, or a `KEY=VALUE`
    /// assignment; `problem` says which rule it breaks.
    case malformedLine(path: String, number: Int, problem: LineProblem)
    /// The file exists but could not be read; `reason` is the system's explanation.
    case unreadable(path: String, reason: String)

    /// What is wrong with a malformed line, described without quoting it.
    public enum LineProblem: Equatable, Sendable {
        /// The line has no `=`: often a value pasted without its name.
        case missingEquals
        /// The name before `=` is not `[A-Za-z_][A-Za-z0-9_]*`.
        case invalidKey
        /// A quoted value is followed by something other than blanks or a `# comment`.
        case textAfterClosingQuote
        /// A quoted value has no closing quote on its line.
        case unclosedQuote

        /// What is wrong and how to fix it, for a person.
        var explanation: String {
            switch self {
            case .missingEquals:
                return "there is no '=' — write it as KEY=VALUE (a value pasted on its own line needs its "
                    + "variable name and '=' before it), or start the line with # to comment it out"
            case .invalidKey:
                return "the name before '=' is not [A-Za-z_][A-Za-z0-9_]* — use letters, digits and underscores only, "
                    + "not starting with a digit"
            case .textAfterClosingQuote:
                return "there is text after the closing quote — quote the whole value, or put a space and # before a comment"
            case .unclosedQuote:
                return "a quoted value is never closed on its line (values cannot span lines) — add the closing quote, "
                    + "or write a line break as \\n inside double quotes"
            }
        }
    }

    /// A message for a person: which file and line, what is wrong, and how to fix it.
    public var description: String {
        switch self {
        case .malformedLine(let path, let number, let problem):
            return "\(path) line \(number) is malformed (its text is not shown, as it may be a secret): \(problem.explanation)"
        case .unreadable(let path, let reason):
            return "cannot read \(path): \(reason) — fix its permissions or remove it"
        }
    }
}
