/// Why a Tavily search gave no answer (PROTOCOLS.md §4), with a cause worth a log line.
public struct TavilyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public enum Kind: String, Equatable, Sendable {
        /// No complete answer within `TAVILY_TIMEOUT_MS`.
        case timedOut = "timed_out"
        /// 401: the key was refused.
        case unauthorized
        /// 403: the key may not use this endpoint.
        case forbidden
        /// 429: too many requests.
        case rateLimited = "rate_limited"
        /// 432: the plan's credits are used up.
        case planLimit = "plan_limit"
        /// 433: the pay-as-you-go spending limit was reached.
        case payAsYouGoLimit = "pay_as_you_go_limit"
        /// 400 or another 4xx: Tavily refused the request itself.
        case badRequest = "bad_request"
        /// 5xx: Tavily's side failed; a later retry may work.
        case serverError = "server_error"
        /// 200 with a body that is not Tavily's answer (not JSON, no `results`).
        case badResponse = "bad_response"
        /// DNS, connect, TLS or another transport failure.
        case transport
    }

    /// The kind of failure.
    public let kind: Kind
    /// The HTTP status, when one arrived.
    public let status: Int?
    /// What happened and what to check, for the log (never the API key).
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
