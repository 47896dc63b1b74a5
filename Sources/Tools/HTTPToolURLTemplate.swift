/// The `url` of an HTTP tool: an absolute URL whose path and query may hold `{param}`
/// placeholders, each replaced by the call's argument, percent-encoded.
///
/// The scheme and host are fixed when the file loads (placeholders may not touch them), so the
/// model can choose what to ask for but never where the request goes: `https://` always,
/// `http://` only for a loopback host (the same rule as `TAVILY_BASE_URL`), because header
/// secrets would otherwise cross the network in clear.
public struct HTTPToolURLTemplate: Equatable, Sendable {
    enum Piece: Equatable, Sendable {
        case literal(String)
        case placeholder(String)
    }

    /// The template as written.
    public let text: String
    /// `https` or `http`.
    public let scheme: String
    /// The host (lower-cased; an IPv6 literal keeps its brackets), with any port after it.
    public let authority: String
    /// The names of the placeholders, in order of appearance.
    public var placeholders: [String] {
        pieces.compactMap { piece -> String? in
            guard case .placeholder(let name) = piece else { return nil }
            return name
        }
    }
    let pieces: [Piece]

    /// Parses `text`.
    /// - Throws: `HTTPToolProblem` saying what to fix (scheme, host, placeholder syntax).
    init(_ text: String) throws(HTTPToolProblem) {
        self.text = text
        pieces = try Self.split(text)
        guard case .literal(let head)? = pieces.first else {
            throw HTTPToolProblem("'\(text)' must start with https:// and a host, not a placeholder")
        }
        let lower = head.lowercased()
        if lower.hasPrefix("https://") {
            scheme = "https"
        } else if lower.hasPrefix("http://") {
            scheme = "http"
        } else {
            throw HTTPToolProblem("'\(text)' must start with https://")
        }
        let rest = head.dropFirst(scheme.count + 3)
        // Without a placeholder the whole text may be the authority (`https://host:8443`).
        guard let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? (pieces.count == 1 ? rest.endIndex : nil) else {
            throw HTTPToolProblem("'\(text)': a placeholder may not be part of the host; write the host, then '/', then the path")
        }
        let authority = rest[..<end].lowercased()
        self.authority = authority
        guard !authority.isEmpty else { throw HTTPToolProblem("'\(text)' has no host") }
        guard !authority.contains("@") else {
            throw HTTPToolProblem("'\(text)' carries a user name or password; put credentials in a header with ${VARIABLE}")
        }
        guard !text.contains(where: { $0.isWhitespace }) else {
            throw HTTPToolProblem("'\(text)' contains white space; percent-encode it (%20)")
        }
        guard !text.contains("#") else { throw HTTPToolProblem("'\(text)' has a fragment (#); remove it") }
        if scheme == "http" && !isLoopback {
            throw HTTPToolProblem("'\(text)' uses http:// to a remote host, which would send its headers in clear — "
                + "use https:// (http:// is accepted only for localhost, 127.0.0.1 and [::1])")
        }
    }

    /// The host without the port.
    public var host: String {
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") { return String(authority[...close]) }
        return String(authority.prefix { $0 != ":" })
    }

    /// Whether the host is this machine, where plain `http://` is acceptable.
    public var isLoopback: Bool {
        ["localhost", "127.0.0.1", "[::1]"].contains(host)
    }

    /// The URL for `arguments`: each placeholder replaced by its argument, percent-encoded (every
    /// byte but RFC 3986's unreserved characters, so `/`, `?`, `&` and `#` in a value stay data).
    /// A missing or null argument is the empty string; numbers and booleans as JSON writes them.
    public func expand(_ arguments: [String: String]) -> String {
        var url = ""
        for piece in pieces {
            switch piece {
            case .literal(let text): url += text
            case .placeholder(let name): url += Self.percentEncoded(arguments[name] ?? "")
            }
        }
        return url
    }

    /// `text` with every byte outside RFC 3986 §2.3's unreserved set (`A-Z a-z 0-9 - . _ ~`)
    /// written as `%XX` of its UTF-8 encoding.
    public static func percentEncoded(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "_"), UInt8(ascii: "~"):
                bytes.append(byte)
            default:
                bytes += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `{name}` placeholders and the literal text between them.
    static func split(_ text: String) throws(HTTPToolProblem) -> [Piece] {
        var pieces: [Piece] = []
        var literal = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character == "}" {
                throw HTTPToolProblem("'\(text)' has a '}' without its '{'")
            }
            guard character == "{" else {
                literal.append(character)
                index = text.index(after: index)
                continue
            }
            guard let close = text[index...].firstIndex(of: "}") else {
                throw HTTPToolProblem("'\(text)' has a '{' without its '}'")
            }
            let name = String(text[text.index(after: index)..<close])
            guard isPlaceholderName(name) else {
                throw HTTPToolProblem("'\(text)': '{\(name)}' is not a placeholder; write {param} with a parameter's name (letters, digits, _ and -)")
            }
            if !literal.isEmpty { pieces.append(.literal(literal)) }
            literal = ""
            pieces.append(.placeholder(name))
            index = text.index(after: close)
        }
        if !literal.isEmpty { pieces.append(.literal(literal)) }
        return pieces
    }

    /// Letters, digits, `_` and `-`, at least one.
    static func isPlaceholderName(_ name: String) -> Bool {
        !name.isEmpty && name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-") }
    }
}
