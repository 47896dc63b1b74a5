import NetTestSupport
import HTTPClient
import HTTP
import JSON
import Net
import Testing
@testable import Tools

@Suite struct TavilyClientTests {
    static let answerBody = """
        {"query":"weather in Paris","answer":"It is sunny in Paris, 21 °C.",
         "results":[{"title":"Paris weather","url":"https://weather.example/paris","content":"Sunny,\\n 21 °C.","score":0.9},
                    {"title":"Forecast","url":"https://forecast.example/p","content":"Clear skies all week.","score":0.7}],
         "response_time":1.2,"request_id":"r-1"}
        """

    /// Runs one web_search through the tool against a scripted server; returns the output and the server.
    func search(_ responses: [HTTPResponse], query: String = "weather in Paris",
                timeoutMs: Int = 2_000) throws -> (ToolResult?, ScriptedHTTPServer) {
        let loop = try EventLoop()
        let server = try ScriptedHTTPServer(loop: loop, responses: responses)
        let tavily = TavilyClient(http: HTTPClient(loop: loop),
                                  configuration: .init(apiKey: "tvly-test-key-123", baseURL: "http://127.0.0.1:\(server.port)",
                                                       timeoutMs: timeoutMs))
        let registry = ToolRegistry.builtIn(tavily: tavily)
        var result: ToolResult?
        let arguments = JSON.object(["query": .string(query)]).serialized()
        registry.run(ToolCall(name: "web_search", callId: "call_1", arguments: arguments)) { result = $0 }
        loop.run { result != nil }
        return (result, server)
    }

    @Test func request_isAPostToSearch_withBearerKeyAndTheDocumentedBody() throws {
        let (_, server) = try search([.json(200, Self.answerBody)])
        let request = try #require(server.requests.first)
        #expect(request.head.method == "POST")
        #expect(request.head.path == "/search")
        #expect(request.head.headers["Authorization"] == "Bearer tvly-test-key-123")
        #expect(request.head.headers["Content-Type"] == "application/json")
        let body = try JSON.parse(request.body)
        #expect(body == ["query": "weather in Paris", "search_depth": "basic", "topic": "general",
                         "max_results": 5, "include_answer": true])
    }

    @Test func answer_givesTheModelTavilysAnswerAndTheTopResults() throws {
        let (result, _) = try search([.json(200, Self.answerBody)])
        let output = try #require(result?.output)
        #expect(result?.endsCall == false)
        let json = try JSON.parse(output)
        #expect(json["answer"] == "It is sunny in Paris, 21 °C.")
        #expect(json["results"]?[0] == ["title": "Paris weather", "url": "https://weather.example/paris",
                                         "content": "Sunny, 21 °C."])
        #expect(json["results"]?[1]?["url"] == "https://forecast.example/p")
        #expect(json["results"]?[0]?["score"] == nil, "only what the model can use")
    }

    @Test(arguments: [
        (401, #"{"detail":{"error":"Unauthorized: missing or invalid API key."}}"#, TavilyError.Kind.unauthorized),
        (403, #"{"detail":{"error":"Forbidden"}}"#, .forbidden),
        (429, #"{"detail":{"error":"Rate limit exceeded"}}"#, .rateLimited),
        (432, #"{"detail":{"error":"This request exceeds your plan's set usage limit."}}"#, .planLimit),
        (433, #"{"detail":{"error":"This request exceeds the pay-as-you-go limit."}}"#, .payAsYouGoLimit),
        (400, #"{"detail":{"error":"Query is missing"}}"#, .badRequest),
        (500, "Internal Server Error", .serverError),
        (503, "<html>unavailable</html>", .serverError),
    ])
    func failureStatus_tellsTheModelSearchIsUnavailable(status: Int, body: String, kind: TavilyError.Kind) throws {
        let (result, server) = try search([.json(status, body)])
        #expect(server.requests.count == 1, "no retry while a caller waits")
        #expect(result?.output == WebSearchTool.unavailableOutput)
        #expect(result?.output.lowercased().contains("web search is unavailable right now") == true)

        let interpreted = TavilyClient.interpret(.success(HTTPClientResponse(status: status, body: Array(body.utf8))), timeoutMs: 8_000)
        guard case .failure(let error) = interpreted else { Issue.record("HTTP \(status) must fail"); return }
        #expect(error.kind == kind)
        #expect(error.status == status)
    }

    @Test func unauthorized_namesTheVariableAndCarriesTavilysMessage() {
        let body = Array(#"{"detail":{"error":"Unauthorized: missing or invalid API key."}}"#.utf8)
        guard case .failure(let error) = TavilyClient.interpret(.success(HTTPClientResponse(status: 401, body: body)), timeoutMs: 8_000)
        else { Issue.record("401 must fail"); return }
        #expect(error.message.contains("TAVILY_API_KEY"))
        #expect(error.message.contains("missing or invalid API key"))
    }

    @Test(arguments: ["not json at all", #"{"answer":"no results key"}"#, "", #"{"results":"#])
    func badJSON_isABadResponse_andTheModelHearsUnavailable(body: String) throws {
        let (result, _) = try search([.json(200, body)])
        #expect(result?.output == WebSearchTool.unavailableOutput)
        guard case .failure(let error) = TavilyClient.interpret(.success(HTTPClientResponse(status: 200, body: Array(body.utf8))), timeoutMs: 1)
        else { Issue.record("bad body must fail"); return }
        #expect(error.kind == .badResponse)
    }

    @Test func timeout_tellsTheModelSearchIsUnavailable_andNamesTheSetting() throws {
        let loop = try EventLoop()
        let silent = try SilentServer(loop: loop)
        let tavily = TavilyClient(http: HTTPClient(loop: loop),
                                  configuration: .init(apiKey: "tvly-k", baseURL: "http://127.0.0.1:\(silent.port)", timeoutMs: 200))
        var outcome: Result<TavilyAnswer, TavilyError>?
        tavily.search("anything") { outcome = $0 }
        loop.run(atMostMs: 3_000) { outcome != nil }
        guard case .failure(let error) = outcome else { Issue.record("expected a timeout"); return }
        #expect(error.kind == .timedOut)
        #expect(error.message.contains("TAVILY_TIMEOUT_MS=200"))
        silent.close()
    }

    @Test func cancellingTheTool_stopsTheTransfer_andNothingIsAnswered() throws {
        let loop = try EventLoop()
        let silent = try SilentServer(loop: loop)
        let http = HTTPClient(loop: loop)
        let tavily = TavilyClient(http: http, configuration: .init(apiKey: "tvly-k", baseURL: "http://127.0.0.1:\(silent.port)"))
        var answered = false
        let task = ToolRegistry.builtIn(tavily: tavily)
            .run(ToolCall(name: "web_search", callId: "c", arguments: #"{"query":"q"}"#)) { _ in answered = true }
        loop.run { silent.accepted == 1 }
        task.cancel()
        loop.run(atMostMs: 1_000) { silent.closedByClient == 1 }
        #expect(!answered)
        #expect(http.activeRequests == 0)
        #expect(http.watchedDescriptors == 0)
        #expect(silent.closedByClient == 1)
        silent.close()
    }

    @Test func missingQuery_answersAtOnceWithoutARequest() throws {
        let loop = try EventLoop()
        let http = HTTPClient(loop: loop)
        let tavily = TavilyClient(http: http, configuration: .init(apiKey: "k", baseURL: "http://127.0.0.1:9"))
        var result: ToolResult?
        ToolRegistry.builtIn(tavily: tavily).run(ToolCall(name: "web_search", callId: "c", arguments: #"{"query":"  "}"#)) { result = $0 }
        #expect(result?.output.contains("'query'") == true)
        #expect(http.activeRequests == 0)
    }
}
