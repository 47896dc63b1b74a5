import HTTPClient
import JSON

/// The tools offered to the model on every call: their definitions go into `session.update`,
/// and `run` dispatches a function call to the matching handler.
///
/// Built once at start-up (see `builtIn`) and read-only afterwards. Tools that hold an
/// `HTTPClient` are bound to that client's loop, so a registry serves the calls of one loop.
public struct ToolRegistry {
    /// The tools, in the order they are offered.
    public private(set) var tools: [Tool] = []

    /// A registry holding `tools`; a later tool with the same name replaces an earlier one.
    public init(_ tools: [Tool] = []) {
        for tool in tools { register(tool) }
    }

    /// Adds `tool`, replacing any tool of the same name.
    public mutating func register(_ tool: Tool) {
        if let index = tools.firstIndex(where: { $0.name == tool.name }) {
            tools[index] = tool
        } else {
            tools.append(tool)
        }
    }

    /// The tool named `name`, if offered.
    public func tool(named name: String) -> Tool? {
        tools.first { $0.name == name }
    }

    /// The names offered, in order.
    public var names: [String] { tools.map(\.name) }

    /// The `tools` array for `session.update`.
    public var definitions: [JSON] { tools.map(\.definition) }

    /// Runs `call`. An unknown name answers at once with an output saying which tools exist, so
    /// the model can recover instead of waiting. `completion` runs at most once, never after the
    /// returned task is cancelled, whatever the handler does.
    @discardableResult
    public func run(_ call: ToolCall, completion: @escaping (ToolResult) -> Void) -> ToolTask {
        guard let tool = tool(named: call.name) else {
            call.log.warning("model called an unknown tool", [("tool", call.name), ("call_id", call.callId)])
            let offered = names.isEmpty ? "none" : names.joined(separator: ", ")
            completion(ToolResult(output: "There is no tool named '\(call.name)'. Available tools: \(offered).",
                                  outcome: "unknown_tool"))
            return .finished
        }
        let once = CompletionGate(completion)
        let inner = tool.handler(call) { result in once.deliver(result) }
        return ToolTask {
            once.close()
            inner.cancel()
        }
    }
}

/// Passes one result through, then nothing; closed by a cancel.
private final class CompletionGate {
    private var completion: ((ToolResult) -> Void)?
    init(_ completion: @escaping (ToolResult) -> Void) { self.completion = completion }
    func deliver(_ result: ToolResult) {
        let next = completion
        completion = nil
        next?(result)
    }
    func close() { completion = nil }
}
