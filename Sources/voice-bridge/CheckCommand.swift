import Preflight
import JSON
import Tools
import Calls
import Config
import Logging
import Foundation
import MCP
import Net

/// `voice-bridge check`: validates the configuration, then checks every provider target,
/// the managed identity, Tavily and PUBLIC_URL; one line per step on stdout. Exit status 0
/// when everything passed, 1 when a check failed, 2 when the configuration is invalid.
enum CheckCommand {
    static func run(_ arguments: [String]) -> Int32 {
        if let unknown = arguments.first {
            FileHandle.standardError.write(Data("voice-bridge check: takes no arguments (got '\(unknown)'); it reads the same environment and .env as serve\n".utf8))
            return 2
        }
        let settings: Settings
        let conversation: ConversationSettings
        let toolFiles: [(path: String, result: Result<HTTPToolDefinition, JSONFileError>)]
        do {
            (settings, conversation) = try Wiring.loadConfiguration()
            toolFiles = try Wiring.httpToolEntries()
        } catch {
            print(PreflightLine(.failed, "configuration", "valid", String(describing: error),
                                fix: "see .env.example for every variable").rendered)
            return 2
        }
        let httpTools = toolFiles.compactMap { try? $0.result.get() }
        // Steps print their own lines; the log only carries what goes wrong underneath.
        Logger.configure(level: .error, format: settings.logFormat, secrets: settings.secrets + httpTools.flatMap(\.secrets))
        for file in toolFiles { print(Preflight.httpToolLine(path: file.path, result: file.result).rendered) }
        guard httpTools.count == toolFiles.count else { return 2 }  // serve would refuse to start
        defer { Logger.flush() }
        let log = Logger()
        do {
            let loop = try EventLoop()
            var context = CallContext(endpoint: Wiring.endpoint(for: settings),
                                      sessionOptions: Wiring.sessionOptions(for: settings, conversation: conversation),
                                      greeting: settings.greeting, tls: try TLSContext.client(), logger: log)
            context.conversation = conversation  // the probe's session.update is the one serve sends
            context.live = settings.live         // and GPT-Live's session.start too
            let mcpServers: [MCPServerConfiguration]
            do {
                mcpServers = try Wiring.loadMCPServers()
            } catch {
                print(PreflightLine(.failed, "MCP servers", "file", String(describing: error),
                                    fix: "fix the file: `serve` refuses to start with it").rendered)
                return 2
            }
            let mcp = Wiring.mcpToolbox(mcpServers, settings: settings, loop: loop, log: log)
            context.tools = Wiring.tools(for: settings, loop: loop, http: httpTools, mcp: mcp)
            Wiring.configureProviders(&context, settings: settings, loop: loop, log: log)
            let preflight = Preflight(settings: settings, context: context, loop: loop) { line in
                print(line.rendered)
                fflush(nil)  // every output stream: stdout is a C global Swift 6 will not touch
            }
            preflight.append(preflight.tavilyStep(Wiring.tavilyClient(for: settings, loop: loop)))
            // Each MCP server: initialize, then tools/list, a line each.
            preflight.append { done in
                guard let mcp, !mcp.clients.isEmpty else { return done() }
                var remaining = mcp.clients.count
                for client in mcp.clients {
                    let started = loop.currentTimeMs()
                    let subject = "MCP \(client.configuration.name)"
                    client.discover { result in
                        let elapsed = loop.currentTimeMs() - started
                        switch result {
                        case .success(let tools):
                            preflight.emit(PreflightLine(.passed, subject, "initialize + tools/list",
                                                         "\(tools.count) tools: \(tools.map(\.name).joined(separator: ", "))", elapsedMs: elapsed))
                        case .failure(let error):
                            preflight.emit(PreflightLine(.failed, subject, "initialize + tools/list", String(describing: error),
                                                         fix: "check 'url' and 'headers' in its file, and that the server speaks MCP over Streamable HTTP",
                                                         elapsedMs: elapsed))
                        }
                        remaining -= 1
                        if remaining == 0 { done() }
                    }
                }
            }
            let agentContext = context
            preflight.append { done in
                // Agent files: each valid, with what it answers; or the file and what to fix.
                do {
                    if let configs = try Wiring.loadAgentConfigs(settings: settings) {
                        let agents = try Wiring.agents(configs, base: agentContext, settings: settings, loop: loop, log: Logger())
                        for config in configs {
                            let context = agents.context(named: config.name)
                            var detail = config.numbers.isEmpty ? "" : "answers \(config.numbers.joined(separator: ", ")); "
                            if !config.callerPrefixes.isEmpty { detail += "callers \(config.callerPrefixes.joined(separator: ", ")); " }
                            if config.isDefault || configs.count == 1 { detail += "the default; " }
                            detail += "tools: \(context?.tools?.names.joined(separator: ", ") ?? "none")"
                            preflight.emit(PreflightLine(.passed, "agent \(config.name)", "valid", detail))
                        }
                    }
                } catch {
                    preflight.emit(PreflightLine(.failed, "agents", "file", String(describing: error),
                                                 fix: "fix the file: `serve` refuses to start with it, and a SIGHUP reload keeps the previous agents"))
                }
                done()
            }
            let deprecations = Wiring.modelDeprecations(conversation, log: Logger())
            preflight.append { done in
                for line in preflight.modelLines(deprecations, today: Wiring.today()) { preflight.emit(line) }
                done()
            }
            var passed = false
            preflight.run { ok in
                passed = ok
                loop.stop()
            }
            loop.run()
            return passed ? 0 : 1
        } catch {
            print(PreflightLine(.failed, "start-up", "event loop and TLS", String(describing: error)).rendered)
            return 1
        }
    }
}
