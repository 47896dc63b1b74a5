import Metrics
import HTTPClient
import Server
import Providers
import Calls
import Config
import Events
import Logging
import MCP
import Dispatch
import Foundation
import HTTP
import Net
import Realtime
import Tools
import Twilio

/// `voice-bridge serve`: load and validate configuration, then run the bridge until a signal.
enum ServeCommand {
    static func run(_ arguments: [String]) -> Int32 {
        if let unknown = arguments.first {
            fail("serve takes no arguments (got '\(unknown)'); configure it with environment variables or .env")
            return 2
        }
        let settings: Settings
        let conversation: ConversationSettings
        let outbound: OutboundSettings
        let httpTools: [HTTPToolDefinition]
        let mcpServers: [MCPServerConfiguration]
        let events: EventsSettings
        do {
            (settings, conversation) = try Wiring.loadConfiguration()
            outbound = try Wiring.loadOutbound(settings: settings)
            httpTools = try Wiring.loadHTTPTools()
            mcpServers = try Wiring.loadMCPServers()
            events = try EventsSettings.load(from: try Environment.load(dotenvPath: ".env"))
        } catch {
            fail(String(describing: error))
            return 2
        }
        Logger.configure(level: settings.logLevel, format: settings.logFormat,
                         secrets: settings.secrets + outbound.secrets + httpTools.flatMap(\.secrets) + mcpServers.flatMap(\.secrets) + events.secrets)
        let log = Logger()
        defer { Logger.flush() }
        do {
            let loop = try EventLoop(wakePolicy: LoopWakePolicy(tickUs: Int64(settings.loopTickUs)))
            let clientTLS = try TLSContext.client()
            var serverTLS: TLSContext?
            if let cert = settings.tlsCertFile, let key = settings.tlsKeyFile {
                serverTLS = try TLSContext.server(certificateFile: cert, privateKeyFile: key)
            }
            let endpoint = Wiring.endpoint(for: settings)
            let mcp = Wiring.mcpToolbox(mcpServers, settings: settings, loop: loop, log: log)
            let tools = Wiring.tools(for: settings, loop: loop, http: httpTools, mcp: mcp)
            Wiring.discoverMCPTools(mcp, loop: loop, log: log)
            // Other loops' calls reach the MCP servers through loop 0 (one session per server).
            let toolBoard = ToolBoard(home: loop.handle, source: { [] })
            Wiring.publish(mcp, on: toolBoard)
            var sessionOptions = Wiring.sessionOptions(for: settings, conversation: conversation)
            sessionOptions.tools = tools.definitions
            var context = CallContext(endpoint: endpoint, sessionOptions: sessionOptions,
                                      greeting: settings.greeting, tls: clientTLS, logger: log)
            context.tools = tools
            context.conversation = conversation
            Wiring.configureProviders(&context, settings: settings, loop: loop, log: log)
            context.prices = Wiring.prices(for: settings, conversation: conversation, log: log)
            context.live = settings.live
            context.toolHoldAfterMs = Int64(conversation.toolHoldAfterMs)
            context.recordingsDir = conversation.recordingsDir
            context.recordingNotice = conversation.recordingNotice
            if conversation.toolHoldAfterMs > 0 {
                do {
                    context.holdPrompt = try SpokenPrompt.load(path: conversation.holdAudioFile, variable: "HOLD_AUDIO_FILE")
                } catch {
                    log.warning("no hold audio; a slow tool means silence on the line", [("error", String(describing: error)),
                                                                                          ("hint", "set HOLD_AUDIO_FILE, or TOOL_HOLD_AFTER_MS=0 to say it is meant")])
                }
            }
            context.backendPrices = Wiring.backendPrices(for: settings, conversation: conversation)
            if settings.live.api == .live {
                let search = settings.live.webSearch(tavily: settings.tavilyAPIKey != nil)
                log.info("voice API: GPT-Live", [("backend_model", settings.live.backendModel), ("web_search", search.rawValue),
                                                 ("audio_format", settings.live.audioFormat.rawValue),
                                                 ("prewarm", conversation.prewarm ? "socket only" : "off")])
                if settings.useAzure, let version = settings.azureAPIVersion {
                    log.warning("AZURE_API_VERSION is not used with VOICE_API=live (GPT-Live's v1 path takes none)",
                                [("AZURE_API_VERSION", version), ("hint", "unset it, or set VOICE_API=realtime for the preview interface")])
                }
            }
            if let dir = conversation.transcriptsDir {
                context.transcripts = TranscriptWriter(directory: dir) { message in log.error(message) }
            }
            // One event-loop thread per core (EVENT_LOOPS): this one (loop 0) serves HTTP and carries
            // calls; the others carry calls only. Calls' log lines name their loop when there are several.
            let loopCount = settings.eventLoops ?? CallCapacity.availableCPUs()
            let limits = Wiring.limits(for: settings, loops: loopCount)
            context.maxBufferedToTwilioBytes = limits.bufferedBytes
            context.maxBufferedToProviderBytes = limits.bufferedBytes
            // Transfers to a person: Twilio's REST API redirects the live call; its webhooks are
            // signed by Twilio and their queries by the stream-token key.
            var transfers: TransferTwiML?
            if let callsURL = outbound.callsURL, let authorization = outbound.basicAuthorization, let host = settings.publicHost,
               let tokens = settings.streamTokenSecret.map(StreamToken.init(secret:)) {
                let twiml = TransferTwiML(publicHost: host, secure: settings.publicURLScheme != "http", tokens: tokens)
                transfers = twiml
                context.transferCall = Wiring.transferCall(twiml, callsURL: callsURL, authorization: authorization,
                                                           settings: settings, loop: loop)
            }
            context.transferredCalls = TransferredCalls(clock: loop.clock)
            // Call events: hooked into the context before agents copy it.
            let delivery = Wiring.eventDelivery(events, settings: settings, loop: loop, metrics: context.metrics, log: log)
            if let delivery { Wiring.sendCallEvents(&context, to: delivery) }
            // The console's bus, before agents copy the context: every call posts to it.
            let console = Wiring.console(settings: settings, conversation: conversation, loop: loop, log: log)
            context.watch = console?.watch
            let base = context
            if loopCount > 1 { context.logger = log.with("loop", "0") }
            let manager = CallManager(context: context, loop: loop)
            // Agents: config/agents/*.json, each a context of its own; none keeps the environment's.
            let agentConfigs: [AgentConfig]?
            do {
                agentConfigs = try Wiring.loadAgentConfigs(settings: settings)
                manager.agents = try agentConfigs.map { try Wiring.agents($0, base: context, settings: settings, loop: loop, log: log) }
            } catch {
                fail(String(describing: error))
                return 2
            }
            let loops = CallLoops(first: manager, loop: loop)
            loops.fillBeforeSpreading = settings.eventLoopFill
            var workers: [WorkerLoop] = []
            for index in 1..<max(1, loopCount) {
                let pieces = WorkerLoop.Pieces(index: index, base: base, settings: settings, outbound: outbound, transfers: transfers,
                                               httpTools: httpTools, toolBoard: toolBoard, agentConfigs: agentConfigs,
                                               delivery: delivery, watch: console?.watch.forwarding(on: loop.handle),
                                               outboundRecords: manager.outboundRecords, log: log)
                workers.append(try WorkerLoop.start(pieces, home: loop.handle, loops: loops))
            }
            let gate = CallGate(maxCalls: limits.maxCalls,
                                validator: settings.twilioSignatures.validates ? settings.twilioAuthToken.map(TwilioRequestValidator.init) : nil,
                                metrics: context.metrics, logger: log, clock: loop.clock)
            gate.streamTokens = settings.streamTokenSecret.map(StreamToken.init(secret:))
            var router = CallRouter(publicHost: settings.publicHost, manager: manager)
            router.publicScheme = settings.publicURLScheme
            router.gate = gate
            router.transfers = transfers
            router.console = console
            router.loops = loops
            CallRouter.admitStarts(through: gate, loops: loops)
            if let key = outbound.bridgeAPIKey, let host = settings.publicHost {
                let client = TwilioCallsClient(http: HTTPClient(loop: loop, options: Wiring.httpOptions(for: settings)),
                                               configuration: .init(callsURL: outbound.callsURL!, authorization: outbound.basicAuthorization!))
                router.dialer = OutboundDialer(client: client, defaultFrom: outbound.defaultFrom, publicHost: host,
                                               publicScheme: settings.publicURLScheme, records: manager.outboundRecords,
                                               streamTokens: gate.streamTokens)
                router.bridgeAPIKey = key
                log.info("POST /calls is on (BRIDGE_API_KEY set)", [("twilio_api", outbound.apiBase), ("default_from", outbound.defaultFrom ?? "unset")])
            }
            // Two budgets, so that neither kind of connection can lock the other out: calls
            // (upgraded; the gate admits at most MAX_CALLS of them started, plus a few waiting for
            // their `start`) and plain HTTP (webhooks, probes), whose idle connections make room.
            gate.maxAwaitingStart = max(4, min(64, limits.maxCalls))
            var serverOptions = HTTPServer.Options()
            serverOptions.maxUpgradedConnections = limits.maxCalls + gate.maxAwaitingStart
            serverOptions.maxConnections = CallCapacity.httpConnections(fileLimit: limits.fileLimit, maxCalls: limits.maxCalls,
                                                                        awaitingStart: gate.maxAwaitingStart)
            router.metricsOnOwnPort = settings.metricsPort != nil
            let server = try HTTPServer(host: "0.0.0.0", port: settings.port, loop: loop, tls: serverTLS,
                                        options: serverOptions, logger: log, handler: router.handle)
            let operations = try Wiring.operationsServer(for: settings, router: router, loop: loop, log: log)
            var fields: [(String, String)] = [("port", String(server.port)), ("provider", endpoint.provider)]
            fields += settings.summary().filter { !["port", "provider", "max_calls", "event_loops"].contains($0.0) }
            fields += [("max_calls", String(limits.maxCalls)), ("max_calls_from", limits.maxCallsReason),
                       ("event_loops", String(loops.count) + (settings.eventLoops == nil ? " (auto: CPUs this process may use)" : "")),
                       ("max_connections", String(serverOptions.maxConnections)),
                       ("max_upgraded_connections", String(serverOptions.maxUpgradedConnections))]
            if let operations {
                fields += [("metrics_host", settings.metricsHost), ("metrics_port", String(operations.port))]
            }
            if let agents = manager.agents { fields.append(("agents", agents.summary)) }
            log.info("listening", fields)
            if let console { Wiring.announce(console, port: server.port, secure: serverTLS != nil, log: log) }
            if context.providers.targets.count > 1 {
                log.info("provider rotation", [("targets", context.providers.targets.map { $0.endpoint.label + ($0.isFallback ? " (fallback)" : "") }
                                                    .joined(separator: ", "))])
            }
            if endpoint.provider == "local" {
                log.info("no provider key found: using the built-in local provider (a parrot that repeats what you say after you pause); set OPENAI_API_KEY, or USE_AZURE_OPENAI=true with AZURE_OPENAI_*, for a real model")
            }
            log.info("tools offered to the model", [("tools", tools.names.joined(separator: ","))])
            for tool in httpTools {
                log.info("http tool loaded", [("tool", tool.name), ("file", tool.path),
                                              ("request", "\(tool.method) \(tool.url.scheme)://\(tool.url.authority)")])
            }
            if settings.tavilyAPIKey == nil {
                log.info("web_search is not offered: TAVILY_API_KEY is not set; set it to let the model search the web")
            }
            Wiring.logSignaturePolicy(settings.twilioSignatures, log: log)
            Wiring.warnAboutDeprecatedModels(context.providers.targets.map(\.endpoint),
                                             table: Wiring.modelDeprecations(conversation, log: log), today: Wiring.today(), log: log)
            if settings.publicHost == nil {
                log.warning("PUBLIC_URL is not set: the TwiML will point Twilio at the Host header of each webhook request; set PUBLIC_URL to your ngrok or load-balancer host")
            }
            // The listener stays open while draining: /readyz must say 503 and late webhooks get busy TwiML.
            let drain = DrainController(loop: loop, gate: gate, manager: manager,
                                        timeoutMs: Int64(settings.drainTimeoutSeconds) * 1000, logger: log) {
                server.stopAccepting()
                operations?.stopAccepting()
                for worker in workers { worker.stop() }
                loop.stop()
            }
            drain.loops = loops
            if let delivery {
                // The calls' last events go out, for a bounded time; the rest stays spooled.
                drain.beforeFinishing = { done in delivery.settle(maxMs: Wiring.eventsSettleMs, then: done) }
            }
            Wiring.watchLoopLag(loop, metrics: context.metrics, log: log)
            let signals = SignalWatcher(loop: loop) { name in drain.begin(signal: name) }
            let reloads = ReloadWatcher(loop: loop) {
                let secrets = settings.secrets + outbound.secrets + events.secrets
                Wiring.reloadConfiguration(manager, base: context, settings: settings, loop: loop, log: log, secrets: secrets,
                                           board: toolBoard)
                for worker in workers { worker.reload(secrets: secrets) }
            }
            loop.run()
            withExtendedLifetime((signals, reloads)) {}
            context.transcripts?.sync()
            delivery?.spool.sync()
            log.info("stopped")
            return 0
        } catch {
            log.error("could not start", [("error", String(describing: error))])
            return 1
        }
    }

    static func fail(_ message: String) {
        FileHandle.standardError.write(Data("voice-bridge: \(message)\n".utf8))
    }
}

/// Turns SIGINT/SIGTERM into a call on the loop thread; a second signal exits at once.
final class SignalWatcher {
    private var sources: [DispatchSourceSignal] = []

    init(loop: EventLoop, onSignal: @escaping (String) -> Void) {
        let box = SignalState(loop: loop, onSignal: onSignal)
        for (number, name) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { box.fire(name) }
            source.resume()
            sources.append(source)
        }
    }
}

/// Carries the loop-confined handler to the signal queue; it only ever runs via `loop.execute`.
private final class SignalState: @unchecked Sendable {
    let loop: EventLoop
    let onSignal: (String) -> Void
    private let lock = NSLock()
    private var count = 0

    init(loop: EventLoop, onSignal: @escaping (String) -> Void) {
        self.loop = loop
        self.onSignal = onSignal
    }

    func fire(_ name: String) {
        lock.lock()
        count += 1
        let first = count == 1
        lock.unlock()
        if !first {
            Logger().warning("second signal: exiting at once, ending any calls still running", [("signal", name)])
            Logger.flush()
            exit(130)
        }
        loop.execute { [self] in onSignal(name) }
    }
}
