import JSON

/// Who handles the tasks the live model delegates (GPT-LIVE.md §3 `delegation`; SDK
/// `types/live/session_config.py`, `responses_delegation_config.py`). A session without one
/// (`LiveSessionConfig.delegation == nil`, the member omitted) delegates to the client.
/// The type cannot change after startup.
public enum LiveDelegation: Equatable, Sendable {
    /// A Responses model run by the service: hosted tools run server-side, function tools come
    /// back to the bridge inside `response.event` (GPT-LIVE.md "What a Twilio bridge must do", 5).
    /// Only the values given are sent; the service fills in the rest.
    ///
    /// - Parameters:
    ///   - model: the backend model (required), e.g. `gpt-5.5`.
    ///   - instructions: the backend prompt: business rules and tool workflows.
    ///   - tools: tool definitions, in the Realtime function-tool shape or the Responses one
    ///     (see `responsesTool(_:)`); omitted when empty.
    ///   - toolChoice: `auto`, `none` or `required`.
    ///   - parallelToolCalls: whether one response may call several tools.
    ///   - reasoningEffort: `none`, `minimal`, `low`, `medium`, `high` or `xhigh`.
    case responses(model: String, instructions: String? = nil, tools: [JSON] = [], toolChoice: String? = nil,
                   parallelToolCalls: Bool? = nil, reasoningEffort: String? = nil)

    /// The `delegation` object.
    public var json: JSON {
        switch self {
        case .responses(let model, let instructions, let tools, let toolChoice, let parallelToolCalls, let reasoningEffort):
            var responses: JSONObject = ["model": .string(model)]
            if let instructions { responses["instructions"] = .string(instructions) }
            if !tools.isEmpty { responses["tools"] = .array(tools.map(Self.responsesTool)) }
            if let toolChoice { responses["tool_choice"] = .string(toolChoice) }
            if let parallelToolCalls { responses["parallel_tool_calls"] = .bool(parallelToolCalls) }
            if let reasoningEffort { responses["reasoning"] = ["effort": .string(reasoningEffort)] }
            return ["type": "responses", "responses": .object(responses)]
        }
    }

    /// A tool definition as the Responses backend takes it (SDK `types/live/function_tool.py`).
    ///
    /// A function tool keeps only `type`, `name`, `description`, `parameters` and `strict` (all
    /// but `type` and `name` optional; `strict` is not required), because the service rejects
    /// unknown fields. The Realtime shape `{type:"function", name, description, parameters}` is
    /// already flat, so it passes through; a Chat Completions shape with a nested `function`
    /// object is flattened. Other tools (`web_search`, `mcp`, …) are passed on as they are.
    public static func responsesTool(_ tool: JSON) -> JSON {
        guard tool["type"]?.stringValue == "function" else { return tool }
        let source = tool["function"]?.objectValue.map(JSON.object) ?? tool
        var function: JSONObject = ["type": "function"]
        for key in ["name", "description", "parameters", "strict"] {
            if let value = source[key] ?? tool[key] { function[key] = value }
        }
        return .object(function)
    }
}
