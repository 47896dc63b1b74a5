import JSON

/// A JSON Pointer (RFC 6901): `""` is the whole document, `/a/0/b` a path of reference tokens,
/// with `~1` for `/` and `~0` for `~` inside a token.
public struct JSONPointer: Equatable, Sendable, CustomStringConvertible {
    /// The unescaped reference tokens, outermost first; empty for the whole document.
    public let tokens: [String]
    /// The pointer as written.
    public let description: String

    /// Parses `text`, or returns nil when it is not a pointer (RFC 6901 §3: it must be empty or
    /// start with `/`, and `~` must be followed by `0` or `1`).
    public init?(_ text: String) {
        guard !text.isEmpty else {
            tokens = []
            description = text
            return
        }
        guard text.hasPrefix("/") else { return nil }
        var tokens: [String] = []
        for raw in text.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            var token = ""
            var escaping = false
            for character in raw {
                if escaping {
                    // RFC 6901 §4: `~1` is `/`, `~0` is `~`; nothing else may follow `~`.
                    switch character {
                    case "0": token.append("~")
                    case "1": token.append("/")
                    default: return nil
                    }
                    escaping = false
                } else if character == "~" {
                    escaping = true
                } else {
                    token.append(character)
                }
            }
            if escaping { return nil }
            tokens.append(token)
        }
        self.tokens = tokens
        description = text
    }

    /// The value `self` points at in `document`, or nil when there is none (an array token
    /// must be a decimal index without leading zeros, RFC 6901 §4).
    public func resolve(in document: JSON) -> JSON? {
        var current = document
        for token in tokens {
            switch current {
            case .object(let object):
                guard let next = object[token] else { return nil }
                current = next
            case .array(let elements):
                guard let index = Self.arrayIndex(token), index < elements.count else { return nil }
                current = elements[index]
            default:
                return nil
            }
        }
        return current
    }

    /// `token` as an array index: `0`, or digits without a leading zero.
    static func arrayIndex(_ token: String) -> Int? {
        guard !token.isEmpty, token.allSatisfy({ $0.isASCII && $0.isNumber }),
              token == "0" || !token.hasPrefix("0") else { return nil }
        return Int(token)
    }
}
