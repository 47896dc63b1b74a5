import Foundation

/// The pieces of an address written by a person: `host`, `host:port`, `scheme://host[:port]/path?query`.
///
/// Lenient about form (scheme optional, trailing `/`), strict about content (host characters, port
/// range, no user-info); each setting then decides which schemes and paths it accepts.
struct AddressParts: Equatable {
    /// Lower-cased scheme, or nil when none was written.
    var scheme: String?
    /// Lower-cased host name or IPv4 address; an IPv6 address keeps its brackets (`[::1]`).
    var host: String
    /// The explicit port, if any.
    var port: Int?
    /// Everything from the first `/` after the host up to `?` or `#`, or "" when absent.
    var path: String
    /// Everything from `?` or `#` on, or nil when absent.
    var query: String?

    /// `host` or `host:port`.
    var hostAndPort: String {
        port.map { "\(host):\($0)" } ?? host
    }

    /// Splits `text`, or throws `AddressProblem` saying why it is not an address.
    static func parse(_ text: String) throws -> AddressParts {
        var rest = Substring(text.trimmingWhitespace())
        var scheme: String?
        if let separator = rest.range(of: "://") {
            let name = rest[..<separator.lowerBound]
            guard !name.isEmpty, name.unicodeScalars.allSatisfy(isSchemeCharacter) else {
                throw AddressProblem("'\(name)' is not a URL scheme")
            }
            scheme = name.lowercased()
            rest = rest[separator.upperBound...]
        }

        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var tail = rest[authorityEnd...]
        var query: String?
        if let queryStart = tail.firstIndex(where: { $0 == "?" || $0 == "#" }) {
            query = String(tail[queryStart...])
            tail = tail[..<queryStart]
        }

        if authority.contains("@") {
            throw AddressProblem("it contains '@' (user name or password in a URL) — remove them")
        }
        var hostPart = authority
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw AddressProblem("the IPv6 address has no closing ']'")
            }
            hostPart = authority[...close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.first == ":" else { throw AddressProblem("unexpected text after ']'") }
                portText = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            hostPart = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        }

        guard !hostPart.isEmpty else { throw AddressProblem("there is no host name") }
        guard hostPart.hasPrefix("[") || hostPart.unicodeScalars.allSatisfy(isHostCharacter) else {
            throw AddressProblem("'\(hostPart)' is not a valid host name")
        }
        var port: Int?
        if let portText {
            guard let value = Int(portText), portText.allSatisfy(\.isASCIIDigitCharacter), (1...65535).contains(value) else {
                throw AddressProblem("'\(portText)' is not a port number (1-65535)")
            }
            port = value
        }
        return AddressParts(scheme: scheme, host: hostPart.lowercased(), port: port,
                                     path: String(tail), query: query)
    }

    /// Whether the host is this machine, where plain `http://` is acceptable.
    var isLoopback: Bool {
        host == "localhost" || host == "127.0.0.1" || host == "[::1]"
    }

    private static func isSchemeCharacter(_ scalar: Unicode.Scalar) -> Bool {
        ("0"..."9").contains(scalar) || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
            || scalar == "+" || scalar == "-" || scalar == "."
    }

    private static func isHostCharacter(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
            || scalar == "." || scalar == "-" || scalar == "_"
    }
}

/// Why text is not an address: a phrase to follow "it is not valid: ".
struct AddressProblem: Error, Equatable {
    let reason: String

    init(_ reason: String) {
        self.reason = reason
    }
}

extension Character {
    /// `0`-`9` only (not other Unicode digits).
    var isASCIIDigitCharacter: Bool {
        ("0"..."9").contains(self)
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and line breaks.
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0.isNewline }
        return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
