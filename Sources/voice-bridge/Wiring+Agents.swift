import Calls
import Config
import Dispatch
import Foundation
import JSON
import Logging
import Net
import Tools

/// Agents as configuration (`AGENTS_DIR`, default `config/agents/*.json`): each agent a
/// `CallContext` of its own, built on the process's.
extension Wiring {
    /// The agent files, or nil when the directory holds none.
    static func loadAgentConfigs(settings: Settings) throws(JSONFileError) -> [AgentConfig]? {
        try AgentConfig.load(directory: settings.agentsDir,
                             list: { try? FileManager.default.contentsOfDirectory(atPath: $0) },
                             readFile: Settings.readFile)
    }

    /// The agents of `configs`, each a context built on `base`.
    static func agents(_ configs: [AgentConfig], base: CallContext, settings: Settings, loop: EventLoop,
                       log: Logger) throws(JSONFileError) -> Agents {
        var built: [(AgentConfig, CallContext)] = []
        for config in configs {
            built.append((config, try agentContext(config, base: base, settings: settings, loop: loop, log: log)))
        }
        return Agents(built)
    }

    /// SIGHUP: reads the agent files, the HTTP tool files, the MCP server files and the
    /// instruction files again. Valid, they replace the configuration for new calls (live calls
    /// keep theirs); invalid, the old one stays and the log says which file and what to fix.
    /// `secrets` are the process's own; the new files' `${VAR}` values join them in the redactor.
    /// On loop 0 the MCP servers' sessions are made again and published on `board`; another loop
    /// (`counts` false: loop 0 counts the reload) reaches them through `forwarded`.
    static func reloadConfiguration(_ manager: CallManager, base: CallContext, settings: Settings, loop: EventLoop,
                                    log: Logger, secrets: [String], counts: Bool = true, board: ToolBoard? = nil,
                                    forwarded: ForwardedTools? = nil) {
        do {
            let http = try loadHTTPTools()
            let servers = forwarded == nil ? try loadMCPServers() : []
            if counts {
                Logger.configure(level: settings.logLevel, format: settings.logFormat,
                                 secrets: secrets + http.flatMap(\.secrets) + servers.flatMap(\.secrets))
            }
            let mcp = mcpToolbox(servers, settings: settings, loop: loop, log: log)
            var fresh = base
            let registry = tools(for: settings, loop: loop, http: http, mcp: mcp, forwarded: forwarded)
            fresh.tools = registry
            fresh.sessionOptions.tools = registry.definitions
            if let board { publish(mcp, on: board) }
            mcp?.start()  // listed in the background: its tools reach the calls that start after
            let configs = try loadAgentConfigs(settings: settings)
            let agents = try configs.map { try self.agents($0, base: fresh, settings: settings, loop: loop, log: log) }
            manager.context = fresh
            manager.agents = agents
            if counts { base.metrics.recordConfigReload(ok: true) }
            log.info("configuration reloaded", [("agents", agents?.summary ?? "none: the environment's one agent"),
                                                ("tools", registry.names.joined(separator: ","))])
        } catch {
            if counts { base.metrics.recordConfigReload(ok: false) }
            log.error("configuration not reloaded; calls keep the previous one", [("error", String(describing: error)),
                                                                                 ("hint", "fix the file and send SIGHUP again")])
        }
    }

    /// `base` with what `agent` says instead: persona, greeting, voice, turn detection,
    /// transcription language, tools (a subset of those offered), model (OpenAI) and call length.
    static func agentContext(_ agent: AgentConfig, base: CallContext, settings: Settings, loop: EventLoop,
                             log: Logger) throws(JSONFileError) -> CallContext {
        func fail(_ message: String) -> JSONFileError { JSONFileError(path: agent.path, message: message) }
        var context = base
        context.agentName = agent.name
        context.maxCallSeconds = agent.maxCallSeconds
        if !agent.record { context.recordingsDir = nil }
        if let instructions = agent.instructions { context.sessionOptions.instructions = instructions }
        if let greeting = agent.greeting { context.greeting = greeting }
        if let voice = agent.voice { context.sessionOptions.voice = voice }
        if let language = agent.transcriptionLanguage { context.sessionOptions.transcriptionLanguage = language }
        let turn = agent.turnDetection
        if let type = turn.type { context.sessionOptions.turnDetection.type = type }
        if let threshold = turn.threshold { context.sessionOptions.turnDetection.threshold = threshold }
        if let silence = turn.silenceMs { context.sessionOptions.turnDetection.silenceDurationMs = silence }
        if let prefix = turn.prefixMs { context.sessionOptions.turnDetection.prefixPaddingMs = prefix }
        if let eagerness = turn.eagerness { context.sessionOptions.turnDetection.eagerness = eagerness }
        if let names = agent.tools {
            let offered = base.tools ?? ToolRegistry()
            for name in names where offered.tool(named: name) == nil {
                let known = offered.names.isEmpty ? "none" : offered.names.joined(separator: ", ")
                guard offered.isDynamic else {
                    throw fail("'tools' names '\(name)', which this bridge does not offer; offered: \(known)")
                }
                // An MCP server may list it once it answers.
                log.warning("an agent names a tool not offered now; it is offered if an MCP server lists it",
                            [("agent", agent.name), ("tool", name), ("offered", known)])
            }
            let registry = offered.only(Set(names))
            context.tools = registry
            context.sessionOptions.tools = registry.definitions
        }
        // Where this agent's calls go: its own provider, model or Azure deployments.
        if agent.provider != nil || agent.model != nil || agent.deployments != nil {
            var own = settings
            switch agent.provider {
            case "openai"?:
                guard settings.openAIAPIKey != nil else { throw fail("'provider' is openai but OPENAI_API_KEY is not set") }
                own.provider = .openAI
            case "azure"?:
                guard !settings.providers.azureTargets.isEmpty else {
                    throw fail("'provider' is azure but no Azure endpoint is configured (AZURE_OPENAI_ENDPOINT and a key)")
                }
                own.provider = .azure
            default:
                break
            }
            if let deployments = agent.deployments {
                guard own.provider == .azure else { throw fail("'deployments' are Azure's; this agent's calls go to \(own.provider.name)") }
                // Every configured endpoint (with its key), for each of the agent's deployments.
                var endpoints: [(endpoint: String, apiKey: String?)] = []
                for target in settings.providers.azureTargets where !endpoints.contains(where: { $0.endpoint == target.endpoint }) {
                    endpoints.append((target.endpoint, target.apiKey))
                }
                own.providers.azureTargets = deployments.flatMap { deployment in
                    endpoints.map { ProviderSettings.AzureTarget(endpoint: $0.endpoint, deployment: deployment, apiKey: $0.apiKey) }
                }
            }
            if let model = agent.model {
                guard own.provider != .azure else {
                    throw fail("'model' chooses an OpenAI model; on Azure the deployment is the model — use 'deployments'")
                }
                if settings.live.api == .live { own.live.openAIModel = model } else { own.openAIRealtimeModel = model }
            }
            if own.provider != .local {
                configureProviders(&context, settings: own, loop: loop, log: log)
                context.endpoint = context.providers.targets.first?.endpoint ?? context.endpoint
            }
        }
        if !agent.transfer.isEmpty {
            // `transfer_call`, offered to this agent only, with its targets.
            var registry = context.tools ?? ToolRegistry()
            registry.register(TransferTool.make(targets: agent.transfer.map { ($0.name, $0.description) }))
            context.tools = registry
            context.sessionOptions.tools = registry.definitions
            context.transferTargets = agent.transfer
            if base.transferCall == nil {
                log.warning("this agent has transfer targets, but transfers are not set up: the model is told when it tries",
                            [("agent", agent.name), ("hint", "set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (Twilio's REST API), and PUBLIC_URL")])
            }
        }
        return context
    }
}

/// Turns SIGHUP into a reload on the loop thread: agent files are read again; new calls get the
/// new configuration, live calls keep theirs.
final class ReloadWatcher {
    private let source: DispatchSourceSignal

    init(loop: EventLoop, reload: @escaping () -> Void) {
        let box = LoopWork(loop: loop, work: reload)
        signal(SIGHUP, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGHUP, queue: .global())
        source.setEventHandler { box.run() }
        source.resume()
    }

    deinit { source.cancel() }
}

/// Carries loop-confined work to a signal queue; it only ever runs via `loop.execute`.
private final class LoopWork: @unchecked Sendable {
    // Safe: `work` runs only on the loop thread, posted through the loop's lock.
    let loop: EventLoop
    let work: () -> Void

    init(loop: EventLoop, work: @escaping () -> Void) {
        self.loop = loop
        self.work = work
    }

    func run() { loop.execute { [self] in work() } }
}
