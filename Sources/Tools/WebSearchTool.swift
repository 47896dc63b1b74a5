import JSON

/// `web_search`: looks something up on the web through Tavily while the call goes on.
///
/// The model gets a compact JSON answer (`TavilyAnswer.compactOutput`). Any failure gives it a
/// sentence it can say — "web search is unavailable right now" — and the log a line with the cause.
public enum WebSearchTool {
    /// The function name.
    public static let name = "web_search"

    /// What the model is told when a search fails, whatever the cause.
    public static let unavailableOutput =
        "Web search is unavailable right now. Tell the caller you cannot look that up at the moment."

    /// The tool, searching with `client`.
    public static func make(client: TavilyClient) -> Tool {
        Tool(
            name: name,
            description: "Search the web for current information (news, weather, opening hours, facts you are "
                + "unsure of). Tell the caller you are looking it up, then call this with a short search query.",
            parameters: [
                "type": "object",
                "properties": ["query": ["type": "string", "description": "What to search for, in a few words."]],
                "required": ["query"],
            ]
        ) { call, completion in
            guard let query = call.stringArgument("query") else {
                completion(ToolResult(output: "web_search needs a non-empty 'query' string argument.", outcome: "bad_arguments"))
                return .finished
            }
            call.log.debug("web search started", [("call_id", call.callId), ("query", query)])
            let task = client.search(query) { result in
                switch result {
                case .success(let answer):
                    call.log.info("web search answered", [("call_id", call.callId), ("results", String(answer.results.count)),
                                                          ("answer", answer.answer == nil ? "no" : "yes")])
                    completion(ToolResult(output: answer.compactOutput()))
                case .failure(let error):
                    var fields = [("call_id", call.callId), ("cause", error.kind.rawValue), ("error", error.message)]
                    if let status = error.status { fields.insert(("status", String(status)), at: 1) }
                    call.log.warning("web search failed", fields)
                    completion(ToolResult(output: unavailableOutput, outcome: error.kind.rawValue))
                }
            }
            return ToolTask {
                if !task.isFinished { call.log.info("web search cancelled", [("call_id", call.callId)]) }
                task.cancel()
            }
        }
    }
}
