import Metrics
import HTTPClient
import Server
import Providers
import Calls
import Config
import Logging
import MCP
import Foundation
import HTTP
import Net
import Realtime
import Tools
import Twilio
import WebSocket

/// Maps validated settings onto the provider endpoint and session options.
enum Wiring {
    /// The process environment over `./.env`, validated (serve and check read the same).
    static func loadConfiguration() throws -> (Settings, ConversationSettings) {
        let environment = try Environment.load(dotenvPath: ".env")
        return (try Settings.load(from: environment), try ConversationSettings.load(from: environment))
    }

    /// Outbound calls' settings (same environment and `./.env`); `POST /calls` needs `PUBLIC_URL`.
    static func loadOutbound(settings: Settings) throws -> OutboundSettings {
        let outbound = try OutboundSettings.load(from: try Environment.load(dotenvPath: ".env"))
        if outbound.bridgeAPIKey != nil, settings.publicHost == nil {
            throw ConfigError(variable: "PUBLIC_URL", message: "BRIDGE_API_KEY is set (POST /calls is on) but PUBLIC_URL is not set — outbound calls' streams must reach this bridge; set PUBLIC_URL to your ngrok or load-balancer host")
        }
        return outbound
    }

    static func endpoint(for settings: Settings) -> RealtimeEndpoint {
        switch settings.provider {
        case .openAI:
            return openAIEndpoint(for: settings)
        case .azure:
            return azureEndpoint(for: settings, endpoint: settings.azureEndpoint ?? "", deployment: settings.azureDeployment ?? "",
                                 apiKey: settings.azureAPIKey ?? "")
        case .local:
            var local = settings.live.api == .live ? RealtimeEndpoint.localLive : .local
            for call in settings.localToolCalls { local.localToolCalls[call.key] = LocalToolCall(name: call.name, arguments: call.arguments) }
            return local
        }
    }

    /// OpenAI's endpoint for the chosen voice API (`VOICE_API`).
    static func openAIEndpoint(for settings: Settings) -> RealtimeEndpoint {
        settings.live.api == .live
            ? .openAILive(apiKey: settings.openAIAPIKey ?? "", baseURL: settings.openAIBaseURL, model: settings.live.openAIModel)
            : .openAI(apiKey: settings.openAIAPIKey ?? "", baseURL: settings.openAIBaseURL, model: settings.openAIRealtimeModel)
    }

    /// One Azure deployment's endpoint for the chosen voice API (GPT-Live has no `api-version`).
    static func azureEndpoint(for settings: Settings, endpoint: String, deployment: String, apiKey: String) -> RealtimeEndpoint {
        settings.live.api == .live
            ? .azureLive(endpoint: endpoint, deployment: deployment, apiKey: apiKey)
            : .azure(endpoint: endpoint, deployment: deployment, apiKey: apiKey, apiVersion: settings.azureAPIVersion)
    }

    /// Failover, fallback, managed identity, timeouts and mid-call recovery, from `settings`.
    static func configureProviders(_ context: inout CallContext, settings: Settings, loop: EventLoop, log: Logger) {
        context.providers = providerPool(for: settings)
        context.providerConnectTimeoutMs = Int64(settings.providers.connectTimeoutMs)
        context.providers.tokens = identityTokens(for: settings, loop: loop)
        context.reconnectMidCall = settings.providers.reconnectMidCall
        guard context.reconnectMidCall else { return }
        do {
            context.reconnectPrompt = try SpokenPrompt.load(path: settings.providers.reconnectPromptFile)
        } catch {
            log.warning("no reconnect prompt; a mid-call reconnect will be silent", [("error", String(describing: error))])
        }
    }

    /// The managed-identity token source on `loop`, when Azure is reached with managed identity.
    static func identityTokens(for settings: Settings, loop: EventLoop) -> AzureTokenSource? {
        guard settings.provider == .azure && settings.providers.azureAuth == .managedIdentity else { return nil }
        return ManagedIdentityWiring.tokenSource(settings.providers.identity, loop: loop,
                                                 options: httpOptions(for: settings, maxResponseBytes: 64 * 1024))
    }

    /// The endpoints calls rotate through: every Azure deployment (with failover), then the
    /// OpenAI fallback when enabled; or the one OpenAI or local endpoint. Each goes through
    /// `HTTPS_PROXY` unless `NO_PROXY` names its host.
    static func providerPool(for settings: Settings) -> ProviderPool {
        let providers = settings.providers
        func proxied(_ endpoint: RealtimeEndpoint) -> RealtimeEndpoint {
            var copy = endpoint
            if let proxy = providers.proxy, endpoint.provider != "local", let host = try? WSURL(endpoint.url).host,
               proxy.applies(to: host) {
                copy.proxy = HTTPProxy(host: proxy.host, port: proxy.port, authorization: proxy.authorization)
            }
            return copy
        }
        let openAI = openAIEndpoint(for: settings)
        let pool: ProviderPool
        switch settings.provider {
        case .azure:
            let managed = providers.azureAuth == .managedIdentity
            let primaries = providers.azureTargets.map { target in
                ProviderPool.Target(endpoint: proxied(azureEndpoint(for: settings, endpoint: target.endpoint,
                                                                    deployment: target.deployment, apiKey: target.apiKey ?? "")),
                                    usesManagedIdentity: managed)
            }
            let fallback = providers.fallbackToOpenAI ? ProviderPool.Target(endpoint: proxied(openAI)) : nil
            pool = ProviderPool(primary: primaries, fallback: fallback, cooldownMs: Int64(providers.cooldownMs))
        case .openAI:
            pool = ProviderPool(primary: [.init(endpoint: proxied(openAI))], cooldownMs: Int64(providers.cooldownMs))
        case .local:
            pool = ProviderPool(single: endpoint(for: settings))
        }
        return pool
    }

    /// The tools offered to the model: `hang_up` always, `web_search` when `TAVILY_API_KEY` is set,
    /// then the HTTP tools of `TOOLS_DIR` (`loadHTTPTools`), and the MCP servers' tools as they
    /// list them (see `Wiring+MCP.swift`). Their HTTP clients run on `loop`, the calls' loop, and
    /// trust what OpenSSL trusts.
    /// `forwarded`, on a worker loop, stands for the MCP servers' tools of loop 0.
    static func tools(for settings: Settings, loop: EventLoop, http: [HTTPToolDefinition] = [], mcp: MCPToolbox? = nil,
                      forwarded: ForwardedTools? = nil) -> ToolRegistry {
        var registry = ToolRegistry.builtIn(tavily: tavilyClient(for: settings, loop: loop))
        httpTools(http, settings: settings, loop: loop).forEach { registry.register($0) }
        mcp?.register(in: &registry)
        forwarded?.register(in: &registry)
        return registry
    }

    /// What loop 0 tells the other loops about its MCP servers' tools: published now and on
    /// every change of `mcp`'s list.
    static func publish(_ mcp: MCPToolbox?, on board: ToolBoard) {
        board.publish(from: { mcp?.tools ?? [] })
        mcp?.onChange = { [weak board] in board?.publish() }
    }

    /// The Tavily client when `TAVILY_API_KEY` is set.
    static func tavilyClient(for settings: Settings, loop: EventLoop) -> TavilyClient? {
        settings.tavilyAPIKey.map { key in
            TavilyClient(http: HTTPClient(loop: loop, options: httpOptions(for: settings)),
                         configuration: .init(apiKey: key, baseURL: settings.tavilyBaseURL, timeoutMs: settings.tavilyTimeoutMs))
        }
    }

    /// Options for libcurl clients (Tavily, Twilio's REST API, identity endpoints): the CA store
    /// OpenSSL uses, and the proxy the realtime socket uses — `HTTPS_PROXY`/`NO_PROXY` from the
    /// environment or `.env` (libcurl alone would see only the process environment).
    static func httpOptions(for settings: Settings, maxResponseBytes: Int = 1 << 20) -> HTTPClient.Options {
        .init(trust: .fromProcessEnvironment(), maxResponseBytes: maxResponseBytes, proxy: settings.providers.proxy)
    }

    static func sessionOptions(for settings: Settings, conversation: ConversationSettings) -> RealtimeSessionOptions {
        var options = RealtimeSessionOptions(instructions: settings.instructions, provider: endpoint(for: settings).provider)
        options.voice = settings.voice
        options.turnDetection = .init(type: conversation.turnDetection, threshold: conversation.vadThreshold,
                                      prefixPaddingMs: conversation.vadPrefixMs,
                                      silenceDurationMs: conversation.vadSilenceMs, eagerness: conversation.vadEagerness)
        options.noiseReduction = conversation.noiseReduction
        return options
    }

    /// Carries out transfers (`CallContext.transferCall`): Twilio's REST API redirects the call
    /// to `twiml`'s `<Dial>`, through a client on `loop`.
    static func transferCall(_ twiml: TransferTwiML, callsURL: String, authorization: String, settings: Settings,
                             loop: EventLoop) -> (TransferRequest, @escaping (String?) -> Void) -> Void {
        let client = TwilioCallsClient(http: HTTPClient(loop: loop, options: httpOptions(for: settings)),
                                       configuration: .init(callsURL: callsURL, authorization: authorization))
        return { request, done in
            let dial = twiml.dial(callSid: request.callSid, agent: request.agent, target: request.target.name, to: request.target.to,
                                  summary: request.summary, whisper: request.target.whisper, timeoutSeconds: request.target.timeoutSeconds)
            client.redirect(callSid: request.callSid, twiml: dial) { result in
                switch result {
                case .success: done(nil)
                case .failure(let error): done(error.description)
                }
            }
        }
    }

    /// Call limits: `MAX_CALLS` or the machine's default, and the per-call output bound.
    static func limits(for settings: Settings, loops: Int = 1) -> (maxCalls: Int, maxCallsReason: String, bufferedBytes: Int, fileLimit: Int) {
        // Audio at 8000 bytes a second travels as base64 in JSON: about 11-14 kB a second on
        // either socket; 16 kB a second bounds both, plus room for one large message.
        let bufferedBytes = settings.maxBufferedAudioSeconds * 16_000 + 64 * 1024
        let fileLimit = CallCapacity.raiseFileLimit()
        if let maxCalls = settings.maxCalls { return (maxCalls, "MAX_CALLS", bufferedBytes, fileLimit) }
        // Worst case per call: both directions at their limit, plus parsers and pending audio.
        let sized = CallCapacity.defaultMaxCalls(fileLimit: fileLimit, memoryBytes: CallCapacity.memoryLimitBytes(),
                                                 perCallBytes: 2 * bufferedBytes + 512 * 1024, loops: loops)
        return (sized.calls, "auto: " + sized.reason, bufferedBytes, fileLimit)
    }

    /// The operations listener on `METRICS_PORT` (nil when unset): `/metrics`, `/healthz` and
    /// `/readyz` from the same router and loop as the public port, always plain HTTP — a scraper
    /// inside the cluster has no certificate to check, and `TLS_CERT_FILE` is for Twilio's side.
    static func operationsServer(for settings: Settings, router: CallRouter, loop: EventLoop, log: Logger) throws -> HTTPServer? {
        guard let port = settings.metricsPort else { return nil }
        var options = HTTPServer.Options()
        options.maxConnections = 64  // scrapers and probes, a handful at a time
        do {
            return try HTTPServer(host: settings.metricsHost, port: port, loop: loop, tls: nil, options: options,
                                  logger: log, handler: router.handleOperations)
        } catch {
            throw ConfigError(variable: "METRICS_PORT", message: "cannot listen on \(settings.metricsHost):\(port) "
                + "(\(error)) — choose a free port for METRICS_PORT, or an address of this host for METRICS_HOST")
        }
    }

    /// Feeds `voice_bridge_loop_busy_seconds` and writes one warning (at most every 10 s, with how
    /// many more there were) when an iteration keeps the loop busy over 20 ms, naming what ran.
    static func watchLoopLag(_ loop: EventLoop, metrics: CallMetrics, log: Logger) {
        var lastLineMs: Int64?
        var since = 0
        // Handed to the metrics (shared by the loops, behind a lock) every 500 iterations or
        // second, whichever comes first: `/metrics` lags by at most a second.
        var batch = LoopBusyBatch()
        var lastHandedMs = Int64.min / 2  // the first iteration is handed at once
        loop.onIteration = { us in
            batch.observe(us: us)
            guard batch.iterations >= 500 || loop.now - lastHandedMs >= 1_000 else { return }
            metrics.recordLoopBusy(batch)
            batch = LoopBusyBatch()
            lastHandedMs = loop.now
        }
        loop.onSlowIteration = { busyUs, what in
            since += 1
            let now = loop.now
            guard lastLineMs.map({ now - $0 >= 10_000 }) ?? true else { return }
            log.warning("the event loop was busy too long: every call on it waited for its audio", [
                ("busy_ms", String(busyUs / 1000)), ("ran", what), ("slow_iterations", String(since)),
                ("hint", "see voice_bridge_loop_busy_seconds; report this with the log line if it repeats"),
            ])
            lastLineMs = now
            since = 0
        }
    }

    /// The deprecation table (`MODEL_DEPRECATIONS_FILE`), or an empty one when it is missing or
    /// malformed (said in the log).
    static func modelDeprecations(_ conversation: ConversationSettings, log: Logger) -> ModelDeprecations {
        guard let text = try? String(contentsOfFile: conversation.modelDeprecationsFile, encoding: .utf8) else {
            log.info("no model deprecation table; model shutdowns are not checked", [("MODEL_DEPRECATIONS_FILE", conversation.modelDeprecationsFile)])
            return ModelDeprecations()
        }
        do {
            return try ModelDeprecations(json: text)
        } catch {
            log.warning("model deprecation table ignored", [("MODEL_DEPRECATIONS_FILE", conversation.modelDeprecationsFile),
                                                          ("error", String(describing: error))])
            return ModelDeprecations()
        }
    }

    /// Today's date, UTC, as `YYYY-MM-DD`.
    static func today() -> String { ModelDeprecations.date(unixSeconds: Int64(Date().timeIntervalSince1970)) }

    /// At start: a warning for each OpenAI model of the pool that shuts down, an error once it has.
    static func warnAboutDeprecatedModels(_ targets: [RealtimeEndpoint], table: ModelDeprecations, today: String, log: Logger) {
        var seen: Set<String> = []
        for endpoint in targets where endpoint.provider == "openai" && seen.insert(endpoint.model).inserted {
            switch table.verdict(for: endpoint.model, today: today) {
            case .current:
                break
            case .deprecated(let entry):
                log.warning("the realtime model shuts down soon", [("model", endpoint.model), ("shutdown", entry.shutdown),
                                                                  ("replacement", entry.replacement),
                                                                  ("hint", "set OPENAI_REALTIME_MODEL=\(entry.replacement) before \(entry.shutdown)")])
            case .shutDown(let entry):
                log.error("the realtime model has shut down: OpenAI refuses its sessions", [
                    ("model", endpoint.model), ("shutdown", entry.shutdown), ("replacement", entry.replacement),
                    ("hint", "set OPENAI_REALTIME_MODEL=\(entry.replacement)")])
            }
        }
    }

    /// Says at start whether requests are checked, and warns when they are not.
    static func logSignaturePolicy(_ policy: TwilioSignaturePolicy, log: Logger) {
        switch policy {
        case .validate:
            log.info("checking X-Twilio-Signature on /incoming-call, /call-status and /media-stream")
        case .disabledExplicitly:
            log.warning("TWILIO_VALIDATE_SIGNATURES=false: requests are not checked, so anyone who finds this URL can place calls through the bridge at your provider's expense; set TWILIO_AUTH_TOKEN and remove TWILIO_VALIDATE_SIGNATURES in production")
        case .disabledForLocalProvider:
            log.info("signature checks are off: local provider and no TWILIO_AUTH_TOKEN (development mode); set TWILIO_AUTH_TOKEN to check X-Twilio-Signature")
        }
    }

    /// The price row for this provider's model, from the user-editable table (nil if unreadable).
    static func prices(for settings: Settings, conversation: ConversationSettings, log: Logger) -> PriceRow? {
        guard let text = try? String(contentsOfFile: conversation.pricesFile, encoding: .utf8) else {
            log.info("no price table; call costs are not estimated", [("PRICES_FILE", conversation.pricesFile)])
            return nil
        }
        do {
            let table = try PriceTable(json: text)
            let model: String? = switch settings.provider {
            case .openAI: settings.live.api == .live ? settings.live.openAIModel : settings.openAIRealtimeModel
            case .azure: settings.azureDeployment
            case .local: "local"
            }
            return table.row(for: [conversation.priceModel, model])
        } catch {
            log.warning("price table ignored", [("error", String(describing: error))])
            return nil
        }
    }

    /// GPT-Live's backend model's row (its text tokens), when the price table has one.
    static func backendPrices(for settings: Settings, conversation: ConversationSettings) -> PriceRow? {
        guard settings.live.api == .live, let text = try? String(contentsOfFile: conversation.pricesFile, encoding: .utf8),
              let table = try? PriceTable(json: text) else { return nil }
        return table.row(exactly: settings.live.backendModel)
    }
}
