import Metrics
import Providers
import Config
import Logging
import Net
import JSON
import Live
import Realtime
import Tools

/// What every call of this process shares: where the model is, how to configure it, and limits.
/// Immutable after start-up (the provider pool it points to keeps its own loop-confined state).
public struct CallContext {
    /// The primary provider endpoint (OpenAI, Azure, or the local parrot), for logs.
    public var endpoint: RealtimeEndpoint
    /// Where calls actually go: the rotation of endpoints with failover and fallback. By default
    /// just `endpoint`.
    public var providers: ProviderPool
    /// When the provider drops mid-call: apologise, reconnect and restore the conversation.
    public var reconnectMidCall = true
    /// At most this many mid-call reconnects per call (a session that keeps dropping ends the call).
    public var maxReconnectsPerCall = 3
    /// Played to the caller while reconnecting; nil plays nothing.
    public var reconnectPrompt: SpokenPrompt?
    /// The `session.update` contents.
    public var sessionOptions: RealtimeSessionOptions
    /// What the assistant says first; empty = wait for the caller.
    public var greeting: String
    /// The TLS client context for `wss://` providers.
    public var tls: TLSContext?
    /// The process logger; calls add their own fields.
    public var logger: Logger
    /// Deadline for DNS + TCP + TLS + upgrade to the provider, in milliseconds.
    public var providerConnectTimeoutMs: Int64 = 10_000
    /// Caller audio kept while the provider session opens (base64 bytes, about 10 s at 8 kHz).
    public var maxPendingAudioBytes = 110_000
    /// The tools the model may call (their definitions must also be in `sessionOptions.tools`);
    /// nil offers none. Bound to the calls' loop (see `ToolRegistry`).
    public var tools: ToolRegistry?
    /// Turn detection, DTMF, transcripts, pre-warm.
    public var conversation = ConversationSettings()
    /// Where utterances are written, when `TRANSCRIPTS_DIR` is set.
    public var transcripts: TranscriptWriter?
    /// Prices for the end-of-call cost estimate, nil when unknown.
    public var prices: PriceRow?
    /// Assistant audio coalesced into one Twilio `media` message at most (μ-law bytes; 800 = 100 ms).
    public var maxCoalescedAudioBytes = 800
    /// Bytes that may wait to be sent to Twilio (Twilio is not reading) before the call ends.
    public var maxBufferedToTwilioBytes = 1 << 20
    /// Bytes that may wait to be sent to the provider (it is not reading) before the call ends.
    public var maxBufferedToProviderBytes = 1 << 20
    /// Counters and histograms every call feeds (`/metrics`).
    public var metrics = CallMetrics()
    /// The optional `session.update` fields each target refused (shared: a reference).
    public var sessionFields = SessionFieldMemory()
    /// The agent's transfer targets (`transfer_call` is offered when there are any).
    public var transferTargets: [AgentConfig.TransferTarget] = []
    /// Carries out a transfer (the HTTP side: Twilio's REST API); the completion gets nil when
    /// Twilio took it, else why not. Nil: transfers are not set up.
    public var transferCall: ((TransferRequest, @escaping (String?) -> Void) -> Void)?
    /// Conversations of calls that left for a person, for their return when nobody answers.
    public var transferredCalls: TransferredCalls?
    /// `RECORDINGS_DIR`: each call recorded there as a stereo WAV; nil records nothing (an agent
    /// with `"record": false` too).
    public var recordingsDir: String?
    /// `RECORDING_NOTICE`: said before the greeting of every recorded call.
    public var recordingNotice: String?
    /// The soft loop played while a slow tool runs (`HOLD_AUDIO_FILE`); nil plays none.
    public var holdPrompt: SpokenPrompt?
    /// `TOOL_HOLD_AFTER_MS`: a tool running this long with the assistant silent starts the hold
    /// audio; 0 turns it off.
    public var toolHoldAfterMs: Int64 = 700
    /// The agent these calls belong to (`config/agents/NAME.json`); nil for the environment's
    /// one agent.
    public var agentName: String?
    /// `max_call_seconds` of the agent: a minute before, the model is asked to wrap up; then the
    /// call ends (`max_duration`).
    public var maxCallSeconds: Int?
    /// GPT-Live's choices (`VOICE_API=live`): backend model and instructions, web search, format.
    public var live = LiveSettings()
    /// GPT-Live's backend model's prices (its text tokens), when the price table has its row.
    public var backendPrices: PriceRow?
    /// Hears each call that started (after its "call started" line), on the loop thread: the
    /// executable sends it on as a `call.started` event (`EVENTS_URL`). Keep it quick.
    public var onCallStarted: ((CallSummary) -> Void)?
    /// Hears each started call that ended (after its "call ended" line), on the loop thread.
    public var onCallEnded: ((CallSummary) -> Void)?
    /// Told when Twilio took a transfer: the call, its agent, the target's name and number, the summary.
    public var onCallTransferred: ((_ callSid: String, _ agent: String, _ target: String, _ to: String, _ summary: String) -> Void)?
    /// The console's bus (`GET /console`), when the console is on: calls post what they do to it.
    public var watch: CallWatch?

    /// Creates a context.
    public init(endpoint: RealtimeEndpoint, sessionOptions: RealtimeSessionOptions, greeting: String,
                tls: TLSContext?, logger: Logger) {
        self.endpoint = endpoint
        self.providers = ProviderPool(single: endpoint)
        self.sessionOptions = sessionOptions
        self.greeting = greeting
        self.tls = tls
        self.logger = logger
    }

    /// The `session.update` for a session on `endpoint`: its dialect, and its provider's quirks
    /// (Azure refuses `output_modalities`), whichever target of the pool it is.
    /// `instructions`, when given, replaces the default ones (an outbound call's override).
    func sessionUpdate(for endpoint: RealtimeEndpoint, instructions: String? = nil) -> String {
        RealtimeClientEvent.sessionUpdate(options(for: endpoint, instructions: instructions), dialect: endpoint.dialect)
    }

    /// The session options for `endpoint`: its provider's quirks, this call's instructions, and
    /// the reasoning settings only where the model takes them.
    func options(for endpoint: RealtimeEndpoint, instructions: String? = nil) -> RealtimeSessionOptions {
        var options = sessionOptions
        options.provider = endpoint.provider
        // Tools discovered after start-up (MCP servers) are offered to the calls that start later.
        if let tools, tools.isDynamic { options.tools = tools.definitions }
        if let instructions { options.instructions = instructions }
        // Reasoning settings go only to models that take them: OpenAI's by model id; an Azure
        // deployment's name does not say which model it runs, so only when set explicitly.
        let takesReasoning = endpoint.dialect == .ga && (endpoint.provider == "openai"
            ? RealtimeSessionOptions.modelTakesReasoning(endpoint.model)
            : endpoint.provider == "azure" && conversation.reasoningEffort != nil)
        if takesReasoning {
            options.reasoningEffort = conversation.reasoningEffort ?? "low"
            options.parallelToolCalls = conversation.parallelToolCalls
        } else {
            options.reasoningEffort = nil
            options.parallelToolCalls = nil
        }
        return options
    }

    /// The negotiation of a session on `endpoint` (see `SessionNegotiation`), skipping what the
    /// target refused before.
    public func negotiation(for endpoint: RealtimeEndpoint, instructions: String? = nil) -> SessionNegotiation {
        SessionNegotiation(session: RealtimeClientEvent.session(options(for: endpoint, instructions: instructions), dialect: endpoint.dialect),
                           dialect: endpoint.dialect,
                           skipping: sessionFields.refused(by: endpoint.label))
    }

    /// The `session.start` session for a GPT-Live target: the voice instructions (this call's
    /// override, else `INSTRUCTIONS`), μ-law unless `LIVE_AUDIO_FORMAT` says otherwise, the
    /// voice, the conversation so far as text-only startup `input` (a reconnect), and Responses
    /// delegation carrying every tool the bridge offers — with the service's hosted `web_search`
    /// instead of Tavily's when `LIVE_WEB_SEARCH=hosted` (GPT-LIVE.md §3).
    public func liveConfig(for endpoint: RealtimeEndpoint, instructions: String? = nil, input: [LiveInputMessage] = []) -> LiveSessionConfig {
        let format: LiveAudioFormat
        switch live.audioFormat {
        case .pcmu: format = .pcmu
        case .pcm16: format = .pcm16000
        case .pcm24: format = .pcm24000
        }
        var definitions = tools?.definitions ?? []
        let webSearch = live.webSearch(tavily: tools?.tool(named: "web_search") != nil)
        if webSearch != .tavily { definitions.removeAll { $0["name"]?.stringValue == "web_search" } }
        if webSearch == .hosted { definitions.append(["type": "web_search"]) }
        let delegation = LiveDelegation.responses(
            model: live.backendModel, instructions: live.backendInstructions ?? LiveSettings.defaultBackendInstructions,
            tools: definitions, toolChoice: definitions.isEmpty ? nil : "auto",
            parallelToolCalls: conversation.parallelToolCalls, reasoningEffort: conversation.reasoningEffort)
        return LiveSessionConfig(model: endpoint.model, instructions: instructions ?? sessionOptions.instructions, format: format,
                                 voice: sessionOptions.voice, delegation: delegation, input: Array(input.suffix(128)))
    }

    /// Handles a negotiation's outcome that concerns every call: learns the refused fields
    /// (one warning each, the first time), counts the retries, logs a fail-over.
    func learn(from action: SessionNegotiation.Action, endpoint: RealtimeEndpoint, log: Logger) {
        switch action {
        case .send(_, retry: nil):
            break
        case .send(_, retry: .withoutField):
            metrics.recordSessionUpdateRetry("field_dropped")
        case .send(_, retry: .minimal):
            metrics.recordSessionUpdateRetry("minimal")
        case .confirmed(let refused):
            for field in sessionFields.record(refused, for: endpoint.label) {
                log.warning("the provider refused a session option; calls on this target go on without it", [
                    ("field", field), ("target", endpoint.label),
                    ("azure_api_version", endpoint.apiVersion ?? "none"),
                    ("hint", "the service does not take this field at this API version; the audio is unaffected"),
                ])
            }
        case .failOver(let reason):
            metrics.recordSessionUpdateRetry("failed_over")
            log.error("the provider cannot be configured for the call's audio; failing over", [
                ("target", endpoint.label), ("reason", reason),
                ("hint", "the service refused μ-law (audio/pcmu, g711_ulaw) or the minimal session.update; check the model, deployment and AZURE_API_VERSION"),
            ])
        }
    }
}
