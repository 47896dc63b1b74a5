/// A WebSocket URL (RFC 6455 §3), split into what a connection needs: where to connect and what
/// to ask for.
///
/// Accepts `ws://` and `wss://`, and maps `http://` to ws and `https://` to wss for convenience.
/// Refuses fragments (§3: "Fragment identifiers are meaningless in the context of WebSocket URIs
/// and MUST NOT be used"), userinfo (credentials belong in headers), an empty host, and bytes
/// outside printable ASCII (percent-encode them).
public struct WSURL: Sendable, Equatable, CustomStringConvertible {
    /// `ws` or `wss`.
    public let scheme: String
    /// The host name or address, lower-cased; an IPv6 literal without its brackets.
    public let host: String
    /// The TCP port: the explicit one, or 80 for ws and 443 for wss.
    public let port: Int
    /// The request target: path and query, `/` when the URL has no path.
    public let target: String

    /// True for wss: the connection runs over TLS.
    public var isSecure: Bool {
        scheme == "wss"
    }

    /// 443 for wss, 80 for ws.
    public var defaultPort: Int {
        isSecure ? 443 : 80
    }

    /// The URL in canonical form, e.g. `wss://api.openai.com/v1/realtime?model=gpt-realtime`.
    public var description: String {
        let bracketedHost = host.contains(":") ? "[\(host)]" : host
        return "\(scheme)://\(bracketedHost)\(port == defaultPort ? "" : ":\(port)")\(target)"
    }

    /// Parses a WebSocket URL.
    ///
    /// - Throws: `WSURLError` saying which part is wrong.
    public init(_ string: String) throws(WSURLError) {
        func failure(_ reason: String) -> WSURLError {
            WSURLError(url: string, reason: reason)
        }
        guard string.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw failure("contains spaces, control characters or non-ASCII characters; percent-encode them")
        }
        guard let separator = string.firstRange(of: "://") else {
            throw failure("has no scheme; write ws://, wss://, http:// or https://")
        }
        switch string[..<separator.lowerBound].lowercased() {
        case "ws", "http": scheme = "ws"
        case "wss", "https": scheme = "wss"
        case let other: throw failure("scheme '\(other)' is not a WebSocket scheme; use ws:// or wss://")
        }
        let rest = string[separator.upperBound...]
        guard !rest.contains("#") else {
            throw failure("has a fragment (#…), which WebSocket URLs must not have (RFC 6455 §3)")
        }
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard !authority.contains("@") else {
            throw failure("contains user information (user:password@); send credentials in a header instead")
        }
        var hostPart: Substring
        var portPart: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else {
                throw failure("has an IPv6 address without its closing ']'")
            }
            hostPart = authority[authority.index(after: authority.startIndex)..<close]
            let afterBracket = authority[authority.index(after: close)...]
            if !afterBracket.isEmpty {
                guard afterBracket.hasPrefix(":") else { throw failure("has characters after the IPv6 address") }
                portPart = afterBracket.dropFirst()
            }
            guard hostPart.contains(":"), hostPart.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                throw failure("has an invalid IPv6 address '[\(hostPart)]'")
            }
        } else {
            let pieces = authority.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            hostPart = pieces[0]
            portPart = pieces.count > 1 ? pieces[1] : nil
            guard hostPart.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "_" }) else {
                throw failure("has an invalid host '\(hostPart)'")
            }
        }
        guard !hostPart.isEmpty else {
            throw failure("has no host")
        }
        host = hostPart.lowercased()
        if let portPart, !portPart.isEmpty {
            guard portPart.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(portPart), (1...65535).contains(value) else {
                throw failure("has an invalid port '\(portPart)'; use 1-65535")
            }
            port = value
        } else {
            port = scheme == "wss" ? 443 : 80
        }
        let pathAndQuery = rest[authorityEnd...]
        target = pathAndQuery.isEmpty ? "/" : (pathAndQuery.hasPrefix("?") ? "/" + pathAndQuery : String(pathAndQuery))
    }
}

/// A URL that `WSURL` cannot use.
public struct WSURLError: Error, Equatable, CustomStringConvertible {
    /// The URL as given.
    public let url: String
    /// Which part is wrong and how to fix it.
    public let reason: String

    /// `WebSocket URL '<url>' <reason>`.
    public var description: String {
        "WebSocket URL '\(url)' \(reason)"
    }
}
