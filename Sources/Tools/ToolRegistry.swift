import HTTPClient
import JSON

/// The tools offered to the model on every call: their definitions go into `session.update`,
/// and `run` dispatches a function call to the matching handler.
///
/// Built once at start-up (see `builtIn`). Tools that hold an `HTTPClient` are bound to that
/// client's loop, so a registry serves the calls of one loop.
///
/// Tools whose list changes while the process runs (an MCP server that answers after start-up,
/// or says its list changed) come from a *source*: a closure asked for its current tools each
/// time the registry is read. Copies of the registry share their sources, so the registry a
/// `CallContext` holds offers each new call what the sources have now.
public struct ToolRegistry {
    /// The tools registered directly, in order.
    private var fixed: [Tool] = []
    /// Closures giving tools that may change; read on the registry's loop thread.
    private var sources: [() -> [Tool]] = []

    /// The tools, in the order they are offered: those registered directly, then each source's
    /// current tools. A source's tool never replaces a fixed one of the same name.
    public var tools: [Tool] {
        guard !sources.isEmpty else { return fixed }
        var all = fixed
        var names = Set(fixed.map(\.name))
        for source in sources {
            for tool in source() where names.insert(tool.name).inserted { all.append(tool) }
        }
        return all
    }

    /// Whether tools may appear or go after start-up (a source was added): the tools a call is
    /// offered must then be read when it starts.
    public var isDynamic: Bool { !sources.isEmpty }

    /// A registry holding `tools`; a later tool with the same name replaces an earlier one.
    public init(_ tools: [Tool] = []) {
        for tool in tools { register(tool) }
    }

    /// Adds `tool`, replacing any tool of the same name.
    public mutating func register(_ tool: Tool) {
        if let index = fixed.firstIndex(where: { $0.name == tool.name }) {
            fixed[index] = tool
        } else {
            fixed.append(tool)
        }
    }

    /// Adds a source of tools that may change while the process runs (see the type's
    /// documentation); `source` runs on the registry's loop thread whenever the tools are read.
    public mutating func register(source: @escaping () -> [Tool]) {
        sources.append(source)
    }

    /// The same registry offering only the tools named in `names` (an agent's `tools`), those
    /// its sources bring later included.
    public func only(_ names: Set<String>) -> ToolRegistry {
        var copy = ToolRegistry()
        copy.fixed = fixed.filter { names.contains($0.name) }
        copy.sources = sources.map { source in { source().filter { names.contains($0.name) } } }
        return copy
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
        let current = tools
        guard let tool = current.first(where: { $0.name == call.name }) else {
            call.log.warning("model called an unknown tool", [("tool", call.name), ("call_id", call.callId)])
            let offered = current.isEmpty ? "none" : current.map(\.name).joined(separator: ", ")
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
