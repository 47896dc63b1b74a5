import Foundation

/// Removes secrets from log text before it is written.
///
/// Three nets, because one is never enough: the configured secret values themselves; fields whose
/// name says they hold a secret; and the shapes credentials take in free text (`Bearer …`,
/// OpenAI's `sk-…` and Tavily's `tvly-…` keys) in case one arrives from elsewhere, such as an
/// echoed request header in a provider's error.
struct LogRedactor: Sendable {
    /// What replaces a secret.
    static let mask = "[REDACTED]"

    /// Values shorter than this are not treated as secrets: replacing "abc" everywhere would
    /// mangle logs and reveal the secret by its absence.
    static let minimumSecretLength = 6

    /// Secret values to replace, longest first so that a secret containing another is masked whole.
    let secrets: [String]

    init(secrets: [String]) {
        self.secrets = Set(secrets.filter { $0.count >= Self.minimumSecretLength })
            .sorted { $0.count > $1.count }
    }

    /// Whether a field named `key` holds a secret (its name contains key, token, secret,
    /// authorization or password, in any case).
    static func isSensitiveKey(_ key: String) -> Bool {
        let lowered = key.lowercased()
        return ["key", "token", "secret", "authorization", "password"].contains { lowered.contains($0) }
    }

    /// The value to log for the field `key`.
    func redactField(key: String, value: String) -> String {
        Self.isSensitiveKey(key) ? Self.mask : redact(value)
    }

    /// `text` with every configured secret and credential-shaped word masked.
    func redact(_ text: String) -> String {
        var result = text
        for secret in secrets where result.contains(secret) {
            result = result.replacingOccurrences(of: secret, with: Self.mask)
        }
        return Self.redactPatterns(result)
    }

    // MARK: - Credential shapes

    /// Masks the word after `Bearer ` and words starting `sk-` or `tvly-`.
    static func redactPatterns(_ text: String) -> String {
        let lowered = text.lowercased()
        guard lowered.contains("bearer") || lowered.contains("sk-") || lowered.contains("tvly-") else { return text }

        let scalars = Array(text.unicodeScalars)
        var output = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            let atWordStart = index == 0 || !isKeyCharacter(scalars[index - 1])
            if atWordStart, let tokenStart = bearerTokenStart(scalars, at: index) {
                // Keep "Bearer " as written, mask what follows up to whitespace or a quote.
                output.append(contentsOf: scalars[index..<tokenStart])
                output.append(contentsOf: mask.unicodeScalars)
                index = tokenStart
                while index < scalars.count, !isTokenEnd(scalars[index]) { index += 1 }
                continue
            }
            if atWordStart, let keyEnd = apiKeyEnd(scalars, at: index) {
                output.append(contentsOf: mask.unicodeScalars)
                index = keyEnd
                continue
            }
            output.append(scalars[index])
            index += 1
        }
        return String(output)
    }

    /// If `Bearer` (any case) and at least one blank start at `index`, and a token follows,
    /// the index of the token.
    private static func bearerTokenStart(_ scalars: [Unicode.Scalar], at index: Int) -> Int? {
        let word = Array("bearer".unicodeScalars)
        guard index + word.count < scalars.count else { return nil }
        for offset in 0..<word.count where lowercase(scalars[index + offset]) != word[offset] {
            return nil
        }
        var tokenStart = index + word.count
        guard scalars[tokenStart] == " " || scalars[tokenStart] == "\t" else { return nil }
        while tokenStart < scalars.count, scalars[tokenStart] == " " || scalars[tokenStart] == "\t" {
            tokenStart += 1
        }
        guard tokenStart < scalars.count, !isTokenEnd(scalars[tokenStart]) else { return nil }
        return tokenStart
    }

    /// If an `sk-` or `tvly-` key of at least 8 more key characters starts at `index`, where it ends.
    private static func apiKeyEnd(_ scalars: [Unicode.Scalar], at index: Int) -> Int? {
        for prefix in ["sk-", "tvly-"] {
            let prefixScalars = Array(prefix.unicodeScalars)
            guard index + prefixScalars.count <= scalars.count,
                  Array(scalars[index..<index + prefixScalars.count]) == prefixScalars else { continue }
            var end = index + prefixScalars.count
            while end < scalars.count, isKeyCharacter(scalars[end]) { end += 1 }
            // Short runs ("sk-1", "tvly-dev") are words, not keys.
            if end - index - prefixScalars.count >= 8 { return end }
        }
        return nil
    }

    private static func isKeyCharacter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
            || scalar == "-" || scalar == "_"
    }

    private static func isTokenEnd(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace || scalar == "\"" || scalar == "'" || scalar == "," || scalar == ";"
    }

    private static func lowercase(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        ("A"..."Z").contains(scalar) ? Unicode.Scalar(scalar.value + 32)! : scalar
    }
}
