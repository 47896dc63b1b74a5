/// One HTTP request for `HTTPClient`: method, URL, headers, body and a deadline.
public struct HTTPClientRequest: Sendable {
    /// `GET`, `POST`, or another method name.
    public var method: String
    /// An absolute `https://` URL, or `http://` to a loopback host (tests, local proxies).
    public var url: String
    /// Header fields sent as given, in order (`Authorization`, `Content-Type`…).
    public var headers: [(String, String)]
    /// The request body; sent with `Content-Length` when not empty.
    public var body: [UInt8]
    /// Deadline for the whole exchange (DNS, connect, TLS, request, response), in milliseconds.
    public var timeoutMs: Int

    /// Creates a request.
    public init(method: String = "GET", url: String, headers: [(String, String)] = [], body: [UInt8] = [],
                timeoutMs: Int = 10_000) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeoutMs = timeoutMs
    }

    /// A `POST` of `json` (already serialized) with `Content-Type: application/json`.
    public static func postJSON(url: String, json: String, headers: [(String, String)] = [],
                                timeoutMs: Int) -> HTTPClientRequest {
        HTTPClientRequest(method: "POST", url: url,
                          headers: [("Content-Type", "application/json"), ("Accept", "application/json")] + headers,
                          body: Array(json.utf8), timeoutMs: timeoutMs)
    }
}

/// What came back: the status and the body (decoded from any `Content-Encoding` libcurl supports).
public struct HTTPClientResponse: Equatable, Sendable {
    /// The HTTP status code.
    public let status: Int
    /// The response body.
    public let body: [UInt8]
    /// Milliseconds from submitting the request to the end of the response.
    public let elapsedMs: Int64
    /// The header fields, names lower-cased; a repeated field's values joined with `, `.
    public let headers: [String: String]

    /// Creates a response (the client does this; tests too).
    public init(status: Int, body: [UInt8], elapsedMs: Int64 = 0, headers: [String: String] = [:]) {
        self.status = status
        self.body = body
        self.elapsedMs = elapsedMs
        self.headers = headers
    }

    /// The value of the header field `name` (any case), if the response had it.
    public func header(_ name: String) -> String? {
        headers[name.lowercased()]
    }

    /// The body as UTF-8 text (invalid sequences replaced), for logs and error messages.
    public var text: String { String(decoding: body, as: UTF8.self) }
}
