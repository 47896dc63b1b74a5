/// The tools this bridge ships with. To add one: write `Sources/Tools/<Name>Tool.swift` with a
/// `make()` returning a `Tool` (see `HangUpTool`), and list it here.
extension ToolRegistry {
    /// `hang_up` always; `web_search` when a Tavily client is configured (`TAVILY_API_KEY`).
    public static func builtIn(tavily: TavilyClient?) -> ToolRegistry {
        var registry = ToolRegistry([HangUpTool.make()])
        if let tavily { registry.register(WebSearchTool.make(client: tavily)) }
        return registry
    }
}
