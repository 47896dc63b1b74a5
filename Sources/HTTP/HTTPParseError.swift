/// A malformed or refused HTTP message.
///
/// From `HTTPRequestParser`, `status` is the response the server should send before closing the
/// connection (400, 413, 414, 431, 501 or 505). From `HTTPResponseParser`, `status` is 502: the
/// peer (an upstream server) sent something that is not valid HTTP.
public struct HTTPParseError: Error, Equatable, CustomStringConvertible {
    /// The HTTP status that describes the failure.
    public let status: Int
    /// What was wrong, in words fit for a log line.
    public let reason: String

    /// Creates an error with the status to answer and a reason.
    public init(status: Int, reason: String) {
        self.status = status
        self.reason = reason
    }

    /// `HTTP <status>: <reason>`.
    public var description: String {
        "HTTP \(status) \(HTTPStatus.reasonPhrase(status)): \(reason)"
    }

    /// The response a server sends for this error; the connection must close after it.
    public var response: HTTPResponse {
        HTTPResponse.text(status, "\(HTTPStatus.reasonPhrase(status)): \(reason)\n")
    }
}
