import Calls
import Net
import Tools

/// Tavily (PROTOCOLS.md §4): one real query with the configured key, when web search is on.
extension Preflight {
    /// A step that searches once with `client`, or a skipped line when web search is off.
    public func tavilyStep(_ client: TavilyClient?) -> Step {
        { [unowned self] done in
            guard let client else {
                self.emit(PreflightLine(.skipped, "Tavily", "not configured", "TAVILY_API_KEY is not set; the web_search tool is off"))
                done()
                return
            }
            let started = loop.currentTimeMs()
            let subject = "Tavily \(client.configuration.baseURL)"
            _ = client.search("voice-bridge check") { result in
                let elapsed = self.loop.currentTimeMs() - started
                switch result {
                case .success(let answer):
                    self.emit(PreflightLine(.passed, subject, "search", "\(answer.results.count) results", elapsedMs: elapsed))
                case .failure(let error):
                    self.emit(PreflightLine(.failed, subject, "search", error.description, fix: Self.fix(for: error), elapsedMs: elapsed))
                }
                withExtendedLifetime(client) { done() }
            }
        }
    }

    /// What to do about each failure Tavily documents.
    static func fix(for error: TavilyError) -> String {
        switch error.kind {
        case .unauthorized: return "check TAVILY_API_KEY (tvly-…) in the Tavily dashboard"
        case .forbidden: return "this key may not use the search endpoint; check the key's plan"
        case .rateLimited: return "too many requests a minute for this key; retry later or upgrade the plan"
        case .planLimit: return "the plan's credits are used up; upgrade the plan or wait for the next cycle"
        case .payAsYouGoLimit: return "the pay-as-you-go spending limit was reached; raise it in the dashboard"
        case .badRequest: return "Tavily refused the request; please report this with the line above"
        case .serverError: return "Tavily had a server error; retry later"
        case .timedOut: return "no answer within TAVILY_TIMEOUT_MS; check the network, HTTPS_PROXY and NO_PROXY"
        case .badResponse: return "the answer was not Tavily's; check TAVILY_BASE_URL"
        case .transport: return "check TAVILY_BASE_URL, the network, HTTPS_PROXY and NO_PROXY"
        }
    }
}
