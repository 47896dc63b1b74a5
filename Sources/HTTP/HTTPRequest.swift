/// The request line and header fields of an HTTP/1.x request (RFC 9112 §3).
public struct HTTPRequestHead: Sendable, Equatable {
    /// The method token, case-sensitive as sent (`GET`, `POST`, …).
    public var method: String
    /// The request target exactly as sent (origin-form `/path?query`, absolute-form, or `*`).
    public var target: String
    /// The path part of the target, still percent-encoded; for an absolute-form target
    /// (`http://host/p`) the path after the authority, `/` when empty.
    public var path: String
    /// What follows the first `?` of the target, still encoded; nil when there is no `?`.
    public var query: String?
    /// The protocol version from the request line.
    public var version: HTTPVersion
    /// The header fields, in order.
    public var headers: HTTPHeaders

    /// Creates a head; `path` and `query` are split from `target`.
    public init(method: String, target: String, version: HTTPVersion = .http1_1, headers: HTTPHeaders = .init()) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        (path, query) = Self.split(target: target)
    }

    /// Whether the connection may carry another request after this one (RFC 9112 §9.3):
    /// HTTP/1.1 persists unless `Connection: close`; HTTP/1.0 closes unless `Connection: keep-alive`.
    public var keepAlive: Bool {
        if headers.contains("Connection", token: "close") { return false }
        if version.isAtLeastHTTP11 { return true }
        return headers.contains("Connection", token: "keep-alive")
    }

    static func split(target: String) -> (path: String, query: String?) {
        var rest = Substring(target)
        // RFC 9112 §3.2.2: servers MUST accept the absolute-form; only its path and query route.
        if let colon = rest.firstIndex(of: ":"), colon > rest.startIndex,
           rest[..<colon].allSatisfy({ $0.isASCII && $0.isLetter }),
           rest[colon...].hasPrefix("://") {
            let afterScheme = rest[rest.index(colon, offsetBy: 3)...]
            let pathStart = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? afterScheme.endIndex
            rest = afterScheme[pathStart...]
            if rest.isEmpty || rest.first == "?" { rest = Substring("/") + rest }
        }
        guard let questionMark = rest.firstIndex(of: "?") else {
            return (String(rest), nil)
        }
        return (String(rest[..<questionMark]), String(rest[rest.index(after: questionMark)...]))
    }
}

/// A complete HTTP/1.x request: its head and its body after any chunked decoding.
public struct HTTPRequest: Sendable, Equatable {
    /// The request line and header fields.
    public var head: HTTPRequestHead
    /// The body bytes (empty when the request had none).
    public var body: [UInt8]

    /// Creates a request from a head and a body.
    public init(head: HTTPRequestHead, body: [UInt8] = []) {
        self.head = head
        self.body = body
    }

    /// Whether the connection may carry another request after this one's response; see
    /// `HTTPRequestHead.keepAlive`.
    public var keepAlive: Bool {
        head.keepAlive
    }
}
