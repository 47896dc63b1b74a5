import Config
import HTTPClient
import Logging
import MCP
import Net
import Tools

/// MCP servers (README "Tools"): their configuration files, their clients, and the wait for
/// their tool lists at start-up.
extension Wiring {
    /// The servers of `MCP_DIR` (default `config/mcp`), one `*.json` file each; none when the
    /// directory does not exist. `${VAR}` in header values reads the environment over `.env`.
    static func loadMCPServers() throws -> [MCPServerConfiguration] {
        let environment = try Environment.load(dotenvPath: ".env")
        let directory = environment["MCP_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "config/mcp"
        return try MCPServerConfiguration.loadDirectory(directory) { environment[$0] }
    }

    /// The MCP servers' tools on `loop`, through an HTTP client with the CA store and proxy the
    /// other clients use; nil when no server is configured.
    static func mcpToolbox(_ servers: [MCPServerConfiguration], settings: Settings, loop: EventLoop, log: Logger) -> MCPToolbox? {
        guard !servers.isEmpty else { return nil }
        return MCPToolbox(servers: servers, http: HTTPClient(loop: loop, options: httpOptions(for: settings)), log: log)
    }

    /// Lists every server's tools before the listener opens, so the first call is offered them:
    /// runs the loop — no call is on it yet — until each server answered or failed once, for at
    /// most the longest `timeout_ms` (15 s at most). A server that failed is a warning and is
    /// retried in the background; its tools are offered to the calls that start once it answers.
    static func discoverMCPTools(_ toolbox: MCPToolbox?, loop: EventLoop, log: Logger) {
        guard let toolbox else { return }
        var done = false
        toolbox.start { done = true }
        let waitMs = Int64(min(15_000, toolbox.clients.map(\.configuration.timeoutMs).max() ?? 0))
        let deadline = loop.currentTimeMs() + waitMs
        while !done && loop.currentTimeMs() < deadline {
            loop.runOnce(maxWaitMs: 50)
        }
        if !done {
            log.warning("MCP servers still listing their tools; calls are offered them once they answer",
                        [("waited_ms", String(waitMs))])
        }
    }
}
