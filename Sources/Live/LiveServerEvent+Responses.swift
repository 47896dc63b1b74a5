import JSON

/// Reading the backend's nested Responses events (GPT-LIVE.md §5 `response.event`): its function
/// calls and its token usage. Lifecycle snapshots (`response.created`, `response.completed`) have
/// `output` emptied, so calls are read from `response.output_item.done` only.
extension LiveServerEvent {
    /// The nested event's `type` (`response.output_item.done`, …), for a `responseEvent`.
    public var responseEventType: String? {
        guard case .responseEvent(_, let event) = self else { return nil }
        return event["type"]?.stringValue
    }

    /// The function call a `response.output_item.done` carries (`item.type == "function_call"`,
    /// with `call_id`, `name` and `arguments`); nil for any other event or item.
    public var functionCall: LiveFunctionCall? {
        guard case .responseEvent(let delegationId, let event) = self,
              event["type"]?.stringValue == "response.output_item.done",
              let item = event["item"], item["type"]?.stringValue == "function_call",
              let callId = item["call_id"]?.stringValue, let name = item["name"]?.stringValue else { return nil }
        return LiveFunctionCall(callId: callId, name: name, arguments: item["arguments"]?.stringValue ?? "",
                                delegationId: delegationId)
    }

    /// The backend's token usage, `response.usage` of a nested `response.completed` (as sent:
    /// `input_tokens`, `output_tokens`, `total_tokens`, details); nil otherwise.
    public var backendUsage: JSON? {
        guard case .responseEvent(_, let event) = self,
              event["type"]?.stringValue == "response.completed",
              let usage = event["response"]?["usage"], !usage.isNull else { return nil }
        return usage
    }
}
