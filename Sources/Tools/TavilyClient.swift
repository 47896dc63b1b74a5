import HTTPClient
import JSON

/// Tavily's search API (PROTOCOLS.md §4) over `HTTPClient`: `POST {base}/search` with
/// `Authorization: Bearer`, one bounded request per search, no retries (a caller is waiting).
public final class TavilyClient {
    /// Where and how to reach Tavily.
    public struct Configuration: Sendable {
        /// The API key (`tvly-…`).
        public var apiKey: String
        /// `TAVILY_BASE_URL` without a trailing `/`; `https://api.tavily.com` by default.
        public var baseURL: String
        /// `TAVILY_TIMEOUT_MS`: deadline for the whole request.
        public var timeoutMs: Int
        /// Results asked for (Tavily's `max_results`).
        public var maxResults: Int

        /// Creates a configuration.
        public init(apiKey: String, baseURL: String = "https://api.tavily.com", timeoutMs: Int = 8_000, maxResults: Int = 5) {
            self.apiKey = apiKey
            self.baseURL = baseURL
            self.timeoutMs = timeoutMs
            self.maxResults = maxResults
        }
    }

    /// The settings this client uses.
    public let configuration: Configuration
    private let http: HTTPClient

    /// Creates a client that sends through `http`.
    public init(http: HTTPClient, configuration: Configuration) {
        self.http = http
        self.configuration = configuration
    }

    /// Searches for `query`; `completion` runs once on the loop thread unless the task is cancelled.
    @discardableResult
    public func search(_ query: String, completion: @escaping (Result<TavilyAnswer, TavilyError>) -> Void) -> HTTPClientTask {
        let timeoutMs = configuration.timeoutMs
        return http.send(request(for: query)) { result in
            completion(Self.interpret(result, timeoutMs: timeoutMs))
        }
    }

    /// The HTTP request for `query`.
    public func request(for query: String) -> HTTPClientRequest {
        let body: JSON = [
            "query": .string(query),
            "search_depth": "basic",
            "topic": "general",
            "max_results": .number(Double(configuration.maxResults)),
            "include_answer": true,
        ]
        return .postJSON(url: configuration.baseURL + "/search", json: body.serialized(),
                         headers: [("Authorization", "Bearer " + configuration.apiKey)],
                         timeoutMs: configuration.timeoutMs)
    }

    /// Maps what the HTTP client reported onto an answer or a `TavilyError` naming the cause.
    public static func interpret(_ result: Result<HTTPClientResponse, HTTPClientError>,
                                 timeoutMs: Int) -> Result<TavilyAnswer, TavilyError> {
        let response: HTTPClientResponse
        switch result {
        case .failure(let error):
            switch error.kind {
            case .timedOut:
                return .failure(TavilyError(.timedOut, "no answer within TAVILY_TIMEOUT_MS=\(timeoutMs) ms"))
            case .tls:
                return .failure(TavilyError(.transport, "TLS to Tavily failed: \(error.message) — check TAVILY_BASE_URL, and SSL_CERT_FILE if you use a private CA"))
            case .invalidURL:
                return .failure(TavilyError(.transport, "\(error.message) — check TAVILY_BASE_URL"))
            default:
                return .failure(TavilyError(.transport, "\(error.kind.rawValue): \(error.message)"))
            }
        case .success(let ok):
            response = ok
        }
        let status = response.status
        let detail = errorDetail(response.body)
        switch status {
        case 200:
            do throws(TavilyError) {
                return .success(try TavilyAnswer.decode(response.body))
            } catch {
                return .failure(error)
            }
        case 401:
            return .failure(TavilyError(.unauthorized, status: status, "TAVILY_API_KEY was refused (\(detail)) — check the key at app.tavily.com"))
        case 403:
            return .failure(TavilyError(.forbidden, status: status, "the key may not use this endpoint (\(detail))"))
        case 429:
            return .failure(TavilyError(.rateLimited, status: status, "rate limited (\(detail)) — development keys allow 100 requests a minute"))
        case 432:
            return .failure(TavilyError(.planLimit, status: status, "the plan's credits are used up (\(detail)) — upgrade the plan or wait for the reset"))
        case 433:
            return .failure(TavilyError(.payAsYouGoLimit, status: status, "the pay-as-you-go limit was reached (\(detail)) — raise it in the Tavily dashboard"))
        case 500...599:
            return .failure(TavilyError(.serverError, status: status, "Tavily had a server error (\(detail)); a later search may work"))
        default:
            return .failure(TavilyError(.badRequest, status: status, "Tavily refused the request (\(detail))"))
        }
    }

    /// Tavily's `{"detail":{"error":"…"}}` text, or a preview of whatever the body is.
    static func errorDetail(_ body: [UInt8]) -> String {
        if let json = try? JSON.parse(body) {
            if let message = json["detail"]?["error"]?.stringValue ?? json["detail"]?.stringValue ?? json["error"]?.stringValue {
                return message.collapsingWhitespace().truncated(toCharacters: 200)
            }
        }
        return TavilyAnswer.preview(body)
    }
}

@available(*, unavailable)
extension TavilyClient: Sendable {}
