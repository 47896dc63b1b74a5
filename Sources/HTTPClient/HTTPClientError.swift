/// Why an `HTTPClient` request produced no HTTP response.
///
/// An HTTP error status is *not* an `HTTPClientError`: the response arrived, and its owner
/// decides what a 401 or a 503 means.
public struct HTTPClientError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The kind of failure, for callers that react differently to each.
    public enum Kind: String, Equatable, Sendable {
        /// The URL is malformed, not http(s), or `http://` to a host that is not loopback.
        case invalidURL = "invalid_url"
        /// The whole exchange did not finish within the request's timeout.
        case timedOut = "timed_out"
        /// DNS resolution or the TCP connection failed.
        case connectFailed = "connect_failed"
        /// The TLS handshake failed or the peer's certificate was not trusted.
        case tls
        /// The response body exceeded the client's limit and the transfer was aborted.
        case tooLarge = "too_large"
        /// Anything else libcurl reports (reset, protocol error, out of memory…).
        case transport
    }

    /// The kind of failure.
    public let kind: Kind
    /// What happened, with libcurl's own explanation when it gave one.
    public let message: String

    /// Creates an error.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// `kind: message`.
    public var description: String { "\(kind.rawValue): \(message)" }
}
