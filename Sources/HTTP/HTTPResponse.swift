/// An HTTP/1.1 response a server sends: status, headers and a complete body.
public struct HTTPResponse: Sendable, Equatable {
    /// The status code.
    public var status: Int
    /// The reason phrase written after the status code.
    public var reason: String
    /// Header fields, written in order. `Content-Length` is computed by `serialized`.
    public var headers: HTTPHeaders
    /// The body bytes.
    public var body: [UInt8]

    /// Creates a response whose reason phrase is the standard one for `status`.
    public init(status: Int, headers: HTTPHeaders = .init(), body: [UInt8] = []) {
        self.init(status: status, reason: HTTPStatus.reasonPhrase(status), headers: headers, body: body)
    }

    /// Creates a response with an explicit reason phrase.
    public init(status: Int, reason: String, headers: HTTPHeaders = .init(), body: [UInt8] = []) {
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
    }

    /// A response whose body is `body` as UTF-8, with a `Content-Type` header.
    public static func text(_ status: Int, _ body: String, contentType: String = "text/plain; charset=utf-8") -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": contentType], body: Array(body.utf8))
    }

    /// True for statuses that never carry a body and so get no `Content-Length`
    /// (RFC 9110 §8.6: 1xx and 204; 304 describes a body it does not send).
    public var isBodiless: Bool {
        (100..<200).contains(status) || status == 204 || status == 304
    }

    /// The response as wire bytes: status line, headers in order, `Content-Length` (computed from
    /// `body`, replacing any given one; omitted for 1xx, 204 and 304), `Connection: close` when
    /// `keepAlive` is false (replacing any given `Connection`, except on a 101 whose
    /// `Connection: Upgrade` must stay), the empty line, then the body.
    ///
    /// `requestMethod` is the method of the request this answers, when there is one. An answer
    /// to `HEAD` keeps the `Content-Length` a `GET` would have had but sends no body: the client
    /// reads none, so body bytes would be taken for the start of the next response
    /// (RFC 9110 §9.3.2, RFC 9112 §6.3).
    public func serialized(keepAlive: Bool, requestMethod: String? = nil) -> [UInt8] {
        let closes = !keepAlive && status != 101
        var bytes: [UInt8] = []
        bytes.reserveCapacity(64 + headers.count * 32 + body.count)
        append("HTTP/1.1 \(status) \(reason)\r\n", to: &bytes)
        for (name, value) in headers {
            if HTTPHeaders.namesEqual(name, "Content-Length") { continue }
            if closes && HTTPHeaders.namesEqual(name, "Connection") { continue }
            append(name, to: &bytes)
            append(": ", to: &bytes)
            append(value, to: &bytes)
            append("\r\n", to: &bytes)
        }
        if !isBodiless {
            append("Content-Length: \(body.count)\r\n", to: &bytes)
        }
        if closes {
            append("Connection: close\r\n", to: &bytes)
        }
        append("\r\n", to: &bytes)
        if !isBodiless && requestMethod != "HEAD" {
            bytes.append(contentsOf: body)
        }
        return bytes
    }

    private func append(_ text: String, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: text.utf8)
    }
}

/// Standard reason phrases for HTTP status codes (RFC 9110 §15 and the IANA registry).
public enum HTTPStatus {
    /// The standard reason phrase for `status`, or a class name (`Client Error`, …) for a code
    /// without one.
    public static func reasonPhrase(_ status: Int) -> String {
        if let phrase = phrases[status] { return phrase }
        switch status {
        case 100..<200: return "Informational"
        case 200..<300: return "Success"
        case 300..<400: return "Redirection"
        case 400..<500: return "Client Error"
        default: return "Server Error"
        }
    }

    private static let phrases: [Int: String] = [
        100: "Continue",
        101: "Switching Protocols",
        200: "OK",
        201: "Created",
        202: "Accepted",
        203: "Non-Authoritative Information",
        204: "No Content",
        205: "Reset Content",
        206: "Partial Content",
        300: "Multiple Choices",
        301: "Moved Permanently",
        302: "Found",
        303: "See Other",
        304: "Not Modified",
        307: "Temporary Redirect",
        308: "Permanent Redirect",
        400: "Bad Request",
        401: "Unauthorized",
        402: "Payment Required",
        403: "Forbidden",
        404: "Not Found",
        405: "Method Not Allowed",
        406: "Not Acceptable",
        407: "Proxy Authentication Required",
        408: "Request Timeout",
        409: "Conflict",
        410: "Gone",
        411: "Length Required",
        412: "Precondition Failed",
        413: "Content Too Large",
        414: "URI Too Long",
        415: "Unsupported Media Type",
        416: "Range Not Satisfiable",
        417: "Expectation Failed",
        421: "Misdirected Request",
        422: "Unprocessable Content",
        425: "Too Early",
        426: "Upgrade Required",
        428: "Precondition Required",
        429: "Too Many Requests",
        431: "Request Header Fields Too Large",
        451: "Unavailable For Legal Reasons",
        500: "Internal Server Error",
        501: "Not Implemented",
        502: "Bad Gateway",
        503: "Service Unavailable",
        504: "Gateway Timeout",
        505: "HTTP Version Not Supported",
        511: "Network Authentication Required",
    ]
}
