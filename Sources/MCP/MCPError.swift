/// Why an exchange with an MCP server gave no usable answer, with a cause worth a log line
/// (never a header value: those carry the server's credentials).
public struct MCPError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public enum Kind: String, Equatable, Sendable {
        /// No complete answer within the server's `timeout_ms`.
        case timedOut = "timed_out"
        /// DNS, connect, TLS or another transport failure: the server cannot be reached.
        case unreachable
        /// The server answered with an HTTP error status (4xx, 5xx).
        case httpStatus = "http_status"
        /// 404 to a request carrying `Mcp-Session-Id`: the session is gone; initialize again.
        case sessionExpired = "session_expired"
        /// The server answered with a JSON-RPC error object.
        case rpcError = "rpc_error"
        /// The answer is not what MCP says (not JSON-RPC, no response with the request's id).
        case badResponse = "bad_response"
        /// The server's protocol revision is not one this client speaks.
        case unsupportedVersion = "unsupported_version"
    }

    /// The kind of failure.
    public let kind: Kind
    /// The HTTP status, when one arrived.
    public let status: Int?
    /// What happened, for the log.
    public let message: String

    /// Creates an error.
    public init(_ kind: Kind, status: Int? = nil, _ message: String) {
        self.kind = kind
        self.status = status
        self.message = message
    }

    /// `kind (HTTP status): message`.
    public var description: String {
        kind.rawValue + (status.map { " (HTTP \($0))" } ?? "") + ": " + message
    }
}
