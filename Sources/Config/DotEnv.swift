/// A parser for `.env` files, the `KEY=VALUE` format popularised by docker-compose and
/// python-dotenv.
///
/// Accepted, line by line:
/// - blank lines and `# comment` lines;
/// - `KEY=VALUE` or `export KEY=VALUE`, where KEY matches `[A-Za-z_][A-Za-z0-9_]*`;
/// - unquoted values, trimmed, ending at ` #` (a `#` after whitespace starts a comment);
/// - `'single quoted'` values, taken literally;
/// - `"double quoted"` values, with the escapes `\n`, `\r`, `\t`, `\"` and `\\`;
/// - `\n`, `\r\n` or `\r` line endings.
///
/// Anything else throws `DotEnvError.malformedLine` naming the file, the line number and the
/// problem, never the line's text; a later duplicate key wins.
public enum DotEnv {
    /// Parses the contents of a `.env` file into a dictionary. `path` names the file in errors.
    public static func parse(_ text: String, path: String = ".env") throws(DotEnvError) -> [String: String] {
        var values: [String: String] = [:]
        // Split on scalars: in Swift "\r\n" is one Character, so a Character split would miss it.
        let lines = text.unicodeScalars.split(omittingEmptySubsequences: false) { $0 == "\n" }
        for (index, scalars) in lines.enumerated() {
            var line = String(String.UnicodeScalarView(scalars))
            if line.hasSuffix("\r") { line.removeLast() }
            switch parseLine(line) {
            case .skip:
                continue
            case .entry(let key, let value):
                values[key] = value
            case .malformed(let problem):
                throw DotEnvError.malformedLine(path: path, number: index + 1, problem: problem)
            }
        }
        return values
    }

    /// What one line holds.
    enum Line: Equatable {
        case skip
        case entry(key: String, value: String)
        /// What is wrong, for `DotEnvError`.
        case malformed(DotEnvError.LineProblem)
    }

    /// Parses one line, without its line ending.
    static func parseLine(_ line: String) -> Line {
        var rest = Substring(line).drop(while: isBlank)
        if rest.isEmpty || rest.first == "#" { return .skip }
        if rest.hasPrefix("export"), let next = rest.dropFirst(6).first, isBlank(next) {
            rest = rest.dropFirst(6).drop(while: isBlank)
        }

        guard let equals = rest.firstIndex(of: "=") else {
            return .malformed(.missingEquals)
        }
        let key = String(rest[..<equals].reversed().drop(while: isBlank).reversed())
        guard isValidKey(key) else {
            return .malformed(.invalidKey)
        }

        let afterEquals = rest[rest.index(after: equals)...]
        let raw = afterEquals.drop(while: isBlank)
        switch raw.unicodeScalars.first {
        case "'":
            return quoted(Substring(raw.unicodeScalars.dropFirst()), key: key, closing: "'", escapes: false)
        case "\"":
            return quoted(Substring(raw.unicodeScalars.dropFirst()), key: key, closing: "\"", escapes: true)
        default:
            return .entry(key: key, value: unquoted(afterEquals))
        }
    }

    /// `KEY`, `_KEY`, `KEY_2`: a letter or underscore, then letters, digits, underscores (ASCII).
    static func isValidKey(_ key: String) -> Bool {
        guard let first = key.unicodeScalars.first, isLetterOrUnderscore(first) else { return false }
        return key.unicodeScalars.allSatisfy { isLetterOrUnderscore($0) || ("0"..."9").contains($0) }
    }

    /// The value of an unquoted assignment: up to a ` #` comment, trimmed. `raw` is everything
    /// after `=`, so `KEY= # note` is an empty value while `KEY=#1` is "#1".
    private static func unquoted(_ raw: Substring) -> String {
        var end = raw.endIndex
        var previous: Character?
        for index in raw.indices {
            if raw[index] == "#", let previous, isBlank(previous) {
                end = index
                break
            }
            previous = raw[index]
        }
        return String(raw[..<end].drop(while: isBlank).reversed().drop(while: isBlank).reversed())
    }

    /// The value of a quoted assignment; `body` starts after the opening quote.
    ///
    /// Walks Unicode scalars, not Characters: a combining mark after `\t` or after the closing
    /// quote would otherwise fuse with it into one Character and hide it (found by fuzzing).
    private static func quoted(_ body: Substring, key: String, closing: Unicode.Scalar, escapes: Bool) -> Line {
        var value = String.UnicodeScalarView()
        let scalars = body.unicodeScalars
        var index = scalars.startIndex
        while index < scalars.endIndex {
            let scalar = scalars[index]
            if scalar == closing {
                let trailing = Substring(scalars[scalars.index(after: index)...]).drop(while: isBlank)
                guard trailing.isEmpty || trailing.first == "#" else {
                    return .malformed(.textAfterClosingQuote)
                }
                return .entry(key: key, value: String(value))
            }
            if escapes, scalar == "\\", scalars.index(after: index) < scalars.endIndex {
                index = scalars.index(after: index)
                switch scalars[index] {
                case "n": value.append("\n")
                case "r": value.append("\r")
                case "t": value.append("\t")
                case "\"": value.append("\"")
                case "\\": value.append("\\")
                // An unknown escape is kept as written, as python-dotenv does.
                default: value.append("\\"); value.append(scalars[index])
                }
            } else {
                value.append(scalar)
            }
            index = scalars.index(after: index)
        }
        return .malformed(.unclosedQuote)
    }

    private static func isBlank(_ character: Character) -> Bool {
        character == " " || character == "\t"
    }

    private static func isLetterOrUnderscore(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || scalar == "_"
    }
}
