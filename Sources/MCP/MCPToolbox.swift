import HTTPClient
import JSON
import Logging
import Net
import Tools

/// Every configured MCP server's tools, as `Tool`s the model may call: names mapped by
/// `MCPToolNames`, descriptions and parameters from the servers' lists, results through
/// `MCPToolOutput`.
///
/// The set changes while the process runs (a server that answers late, or says its list
/// changed), so it reaches calls as a `ToolRegistry` source (`register(in:)`): each new call is
/// offered the tools known when it starts. Loop-confined, like the HTTP client it uses.
public final class MCPToolbox {
    /// One client per configured server, in configuration order.
    public let clients: [MCPClient]
    /// What the model reads at most from one tool run, in UTF-8 bytes.
    public var maxOutputBytes = MCPToolOutput.defaultMaxBytes
    private let reserved: Set<String>
    private let log: Logger
    private var cached: [Tool]?
    /// Told when the tools offered change (a server listed its tools, or changed them).
    public var onChange: (() -> Void)?

    /// A toolbox for `servers`, all sending through `http`; `reserved` are the built-in tools' names.
    public init(servers: [MCPServerConfiguration], http: HTTPClient, log: Logger,
                reserved: Set<String> = MCPToolNames.builtIn) {
        clients = servers.map { MCPClient(configuration: $0, http: http, log: log) }
        self.reserved = reserved
        self.log = log
        for client in clients {
            client.onToolsChanged = { [weak self, unowned client] in self?.toolsChanged(client) }
        }
    }

    /// Lists every server's tools; `completion` runs once every server has answered or failed
    /// its first attempt (failed ones keep retrying in the background, see `MCPClient.discover`).
    public func start(completion: @escaping () -> Void = {}) {
        var pending = clients.count
        guard pending > 0 else { return completion() }
        for client in clients {
            client.discover { _ in
                pending -= 1
                if pending == 0 { completion() }
            }
        }
    }

    /// Adds the toolbox to `registry` as a source: the registry then offers the current tools.
    public func register(in registry: inout ToolRegistry) {
        registry.register(source: { [self] in tools })
    }

    /// The tools offered now.
    public var tools: [Tool] {
        if let cached { return cached }
        var made: [Tool] = []
        for (client, names) in zip(clients, assignedNames()) {
            for (descriptor, name) in zip(client.tools, names) {
                made.append(tool(descriptor, named: name, client: client))
            }
        }
        cached = made
        return made
    }

    /// The function names of each client's tools, in `clients` order.
    private func assignedNames() -> [[String]] {
        MCPToolNames.assign(clients.map { (server: $0.configuration.name, tools: $0.tools.map(\.name)) }, reserved: reserved)
    }

    private func toolsChanged(_ client: MCPClient) {
        cached = nil
        onChange?()
        guard let index = clients.firstIndex(where: { $0 === client }) else { return }
        log.info("MCP tools offered to new calls", [("mcp_server", client.configuration.name),
                                                    ("tools", assignedNames()[index].joined(separator: ","))])
    }

    private func tool(_ descriptor: MCPClient.ToolDescriptor, named name: String, client: MCPClient) -> Tool {
        let server = client.configuration.name
        let maxOutputBytes = maxOutputBytes
        return Tool(name: name, description: descriptor.description, parameters: descriptor.inputSchema) { call, completion in
            guard let arguments = call.argumentObject else {
                completion(ToolResult(output: "\(name) needs its arguments as a JSON object.", outcome: "bad_arguments"))
                return .finished
            }
            let handle = client.callTool(descriptor.name, arguments: arguments) { result in
                completion(Self.result(result, server: server, tool: descriptor.name, name: name, call: call,
                                       maxOutputBytes: maxOutputBytes))
            }
            return ToolTask { handle.cancel() }
        }
    }

    /// The model's result for a `tools/call` outcome, with one log line when it failed.
    static func result(_ result: Result<MCPReply, MCPError>, server: String, tool: String, name: String,
                       call: ToolCall, maxOutputBytes: Int) -> ToolResult {
        switch result {
        case .success(let reply):
            let (output, isError) = MCPToolOutput.text(of: reply.result, maxBytes: maxOutputBytes)
            if isError {
                call.log.info("MCP tool reported an error", [("mcp_server", server), ("tool", tool), ("call_id", call.callId)])
            }
            return ToolResult(output: output, outcome: isError ? "tool_error" : "ok")
        case .failure(let error):
            var fields = [("mcp_server", server), ("tool", tool), ("call_id", call.callId), ("cause", error.kind.rawValue),
                          ("error", error.message)]
            if let status = error.status { fields.insert(("status", String(status)), at: 4) }
            call.log.warning("MCP tool failed", fields)
            let output = error.kind == .rpcError
                ? "The tool \(name) failed: \(MCPToolOutput.bounded(error.message, maxBytes: 500)). Tell the caller you cannot do that right now."
                : "The tool \(name) is unavailable right now. Tell the caller you cannot do that at the moment."
            return ToolResult(output: output, outcome: error.kind.rawValue)
        }
    }
}

@available(*, unavailable)
extension MCPToolbox: Sendable {}
