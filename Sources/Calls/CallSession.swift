import Metrics
import Base64
import Providers
import Audio
import Logging
import JSON
import Net
import Realtime
import Twilio
import WebSocket

/// One phone call: the Twilio Media Stream on one side, a realtime model session on the other.
///
/// Everything about a call lives here and on its loop thread: one failing call never touches
/// another. Caller audio goes to the provider as Twilio's base64 payload, untouched; the
/// provider's audio deltas go to Twilio the same way.
public final class CallSession {
    /// How a call ended, for logs and metrics.
    public enum Outcome: String {
        case completed, callerHungUp = "caller_hung_up", providerRefused = "provider_refused"
        case providerDropped = "provider_dropped", protocolError = "protocol_error"
        /// Audio piled up toward a peer that stopped reading (`MAX_BUFFERED_AUDIO_SECONDS`).
        case bufferOverflow = "buffer_overflow"
        /// Still running when the drain after SIGTERM ran out of time (`DRAIN_TIMEOUT`).
        case drainTimeout = "drain_timeout"
        /// The stream sent no `start` within `CallManager.startTimeoutMs`.
        case noStart = "no_start"
        /// Twilio sent nothing for `CallManager.silentStreamTimeoutMs` (it sends a frame every
        /// 20 ms, silence included): the peer is gone.
        case twilioSilent = "twilio_silent"
        /// The `start` was refused: no valid stream token for its CallSid.
        case rejectedToken = "rejected_token"
        /// The `start` was refused: no slot (`MAX_CALLS`).
        case rejectedBusy = "rejected_busy"
        /// The `start` was refused: draining, and its webhook was not answered here.
        case rejectedDraining = "rejected_draining"
        /// The call reached its agent's `max_call_seconds`.
        case maxDuration = "max_duration"
        /// The call went to a person (`transfer_call`).
        case transferred
    }

    /// Where the call is. What belongs to one phase lives in its payload, so it cannot outlive it.
    enum State {
        /// The stream is open; Twilio's `start` has not come.
        case awaitingStart
        /// A provider session opens and confirms its configuration; the caller's audio is held.
        case connecting(Connecting)
        /// Audio flows both ways.
        case active(Active)
        /// Both sides closed and the outcome counted; whatever arrives now is ignored.
        case ended(Outcome)
    }

    /// A class, so that the state enum copies a reference on the audio path, not this.
    final class Connecting {
        /// The session replaces one that dropped mid-call: restore the conversation, not greet.
        var restoring = false
        /// Set when a pre-warmed session arrives already configured.
        var configured = false
        /// The configuration in progress (see `SessionNegotiation`); nil until the session opens.
        var negotiation: SessionNegotiation?
        /// Bounds the wait for the provider to confirm the configuration.
        var timer: LoopTimer?

        init(restoring: Bool = false, configured: Bool = false, negotiation: SessionNegotiation? = nil) {
            self.restoring = restoring
            self.configured = configured
            self.negotiation = negotiation
        }
    }

    struct Active {
        /// Set once the hang-up waits for the goodbye to play.
        var hangingUp = false
    }

    var isActive: Bool { if case .active = state { true } else { false } }
    var isConnecting: Bool { if case .connecting = state { true } else { false } }
    var isEnded: Bool { if case .ended = state { true } else { false } }

    /// A process-unique id for logs before Twilio's CallSid is known.
    public let id: Int
    let twilio: WSConnection
    /// The call's configuration: the process's until `start` names the call's agent.
    var context: CallContext
    var log: Logger
    var state = State.awaitingStart
    var provider: RealtimeClient?
    /// The GPT-Live session's state, when the provider speaks GPT-Live (CallSession+Live.swift).
    var live: LiveCall?
    var streamSid = "" {
        didSet { streamSidIsPlain = !JSON.needsEscaping(streamSid) }
    }
    /// Whether `streamSid` goes into JSON as it is (Twilio's `MZ…` ids always do): then the
    /// per-frame `media` and `mark` are spliced straight into the frame (CallSession+Audio.swift).
    private(set) var streamSidIsPlain = true
    var callSid = ""
    /// The caller's audio toward the provider: held while a session opens, batched when asked.
    var callerAudio: CallerAudioQueue
    let onEnd: (CallSession, Outcome) -> Void

    // Assistant audio toward Twilio (see CallSession+Audio.swift).
    var playback = AssistantPlayback()
    var coalescer: AssistantAudioCoalescer
    /// The last audio delta's ids, kept as `String`s (CallSession+Audio.swift).
    var deltaIds = AudioDeltaIds()
    /// The per-frame events' JSON index, reused from one event to the next (both sockets).
    var eventIndex = JSONFlatObject()
    var flushScheduled = false
    var whenPlayedOut: [() -> Void] = []
    var responseInProgress: String?
    var droppedAfterBargeIn = 0
    /// Output items of phase `commentary` (a reasoning model's preamble) whose transcript is due.
    var commentaryItems: Set<String> = []
    var usage = CallUsage()

    // Counters for the end-of-call line.
    var startedAtMs: Int64 = 0
    var framesFromCaller = 0, framesToCaller = 0
    /// The loop's time of the last message from Twilio: a stream silent for long is dead.
    var lastHeardFromTwilioMs: Int64 = 0
    var firstAudioLogged = false
    /// The loop time of the last assistant audio sent to Twilio (hold audio waits for silence).
    var lastAssistantAudioMs: Int64 = 0
    var providerOpenedAtMs: Int64 = 0
    var meter: CallMeter
    /// Function calls and hang-up (CallSession+Tools.swift).
    lazy var tools: CallTools = makeTools()

    let claimPrewarmed: (String) -> (link: ProviderFailover, configured: Bool, negotiation: SessionNegotiation?)?
    /// Moves the stream to the loop of its pre-warmed session, given its `start` and the message;
    /// true when it moved (this session is then done with, silently).
    let relocate: (TwilioStart, UnsafeRawBufferPointer) -> Bool
    /// Admits the `start` (token, slot); nil when admitted.
    let admitStart: (TwilioStart) -> StartRefusal?
    /// Finds an outbound call's instructions and greeting from its `start` event.
    let claimOverride: (TwilioStart) -> CallOverride?
    /// The context of the agent the call's signed parameters name (nil keeps the process's).
    let selectContext: (TwilioStart) -> CallContext?
    /// This call's instructions and greeting, when they differ from the defaults.
    var override: CallOverride?

    // Provider failover and mid-call recovery (see CallSession+Reconnect.swift).
    /// How the current provider session was opened: which target, and the attempt in progress.
    var link: ProviderFailover?
    /// What was said so far, to restore on a new session.
    var history = ConversationHistory()
    var reconnects = 0
    /// The call's recording (`RECORDINGS_DIR`), when it is recorded.
    var recorder: CallRecorder?
    /// The call came back from a transfer nobody answered: the target and Twilio's dial status.
    var transferReturn: (target: String, status: String)?
    /// The wrap-up note and the end at the agent's `max_call_seconds`.
    var lengthTimers: [LoopTimer] = []
    /// What `call.started` said, kept for `call.ended` (CallSession+Summary.swift); nil before `start`.
    var summary: CallSummary?
    /// The utterances for `call.ended`, bounded, when transcripts are collected.
    var transcriptCopy: CallTranscript?

    init(id: Int, twilio: WSConnection, context: CallContext,
         relocate: @escaping (TwilioStart, UnsafeRawBufferPointer) -> Bool = { _, _ in false },
         claimPrewarmed: @escaping (String) -> (link: ProviderFailover, configured: Bool, negotiation: SessionNegotiation?)? = { _ in nil },
         claimOverride: @escaping (TwilioStart) -> CallOverride? = { _ in nil },
         selectContext: @escaping (TwilioStart) -> CallContext? = { _ in nil },
         admitStart: @escaping (TwilioStart) -> StartRefusal? = { _ in nil },
         onEnd: @escaping (CallSession, Outcome) -> Void) {
        self.id = id
        self.admitStart = admitStart
        self.relocate = relocate
        self.claimPrewarmed = claimPrewarmed
        self.claimOverride = claimOverride
        self.selectContext = selectContext
        self.twilio = twilio
        self.context = context
        self.onEnd = onEnd
        self.log = context.logger.with("conn", String(id))
        self.startedAtMs = twilio.connection.loop.now
        self.lastHeardFromTwilioMs = startedAtMs
        self.meter = CallMeter(metrics: context.metrics)
        self.callerAudio = CallerAudioQueue(batchMs: context.conversation.callerAudioBatchMs,
                                            maxHeldBytes: context.maxPendingAudioBytes)
        self.coalescer = AssistantAudioCoalescer(maxBytes: context.maxCoalescedAudioBytes)
    }


    // MARK: Twilio side

    func handleTwilio(_ text: UnsafeRawBufferPointer) {
        // The two per-frame events, read in place (no String, no field the call does not use).
        switch TwilioInboundEvent.frequent(text, indexingInto: &eventIndex) {
        case .media(let payload)?:
            forwardCallerAudio(payload)
            return
        case .mark(let name)?:
            markEchoed(name)
            return
        case nil:
            break
        }
        let event: TwilioInboundEvent
        do {
            event = try TwilioInboundEvent.decode(text)
        } catch {
            // A malformed event is logged with its cause; the call goes on.
            log.warning("ignored malformed Twilio event", [("error", String(describing: error)),
                                                           ("bytes", String(text.count))])
            return
        }
        switch event {
        case .connected:
            log.debug("Twilio stream connected")
        case .start(let start, _):
            if relocate(start, text) { return }
            begin(start)
        case .media(let media):
            var payload = media.payload
            payload.withUTF8 { forwardCallerAudio(UnsafeRawBufferPointer($0)) }
        case .mark(let name, _):
            var name = name
            name.withUTF8 { markEchoed(UnsafeRawBufferPointer($0)) }
        case .dtmf(let digit, _, _):
            callerPressed(digit)
        case .stop:
            log.info("Twilio stream stopped")
            end(tools.transferred ? .transferred : .callerHungUp, closeTwilio: true)
        case .unknown(let name):
            log.debug("ignored Twilio event", [("event", name)])
        }
    }

    private func begin(_ start: TwilioStart) {
        guard case .awaitingStart = state else {
            log.warning("ignored a second Twilio start event", [("streamSid", start.streamSid)])
            return
        }
        if let refusal = admitStart(start) {
            // One line, the cause and the CallSid (clipped: it came from an unauthenticated peer).
            log.warning("refused a media stream's start", [("call", String(start.callSid.prefix(40))), ("reason", refusal.cause),
                                                           ("peer", twilio.connection.peer)])
            end(Outcome(rawValue: refusal.outcome) ?? .rejectedToken, closeTwilio: true, code: refusal.code,
                reason: refusal.reason, quiet: true)
            return
        }
        streamSid = start.streamSid
        callSid = start.callSid
        log = log.with("call", start.callSid)
        if let selected = selectContext(start) { context = selected }
        if let directory = context.recordingsDir {
            let log = self.log
            recorder = CallRecorder(directory: directory, fileStem: TranscriptWriter.fileStem(for: start.callSid)) { message in
                log.error(message)
            }
        }
        if let agent = context.agentName {
            log = log.with("agent", agent)
            if let asked = start.customParameters["agent"], asked != agent {
                log.warning("the call's agent is no longer configured; the default agent takes it", [("asked", String(asked.prefix(64)))])
            }
        }
        if start.encoding != "audio/x-mulaw" || start.sampleRate != 8000 {
            log.warning("unexpected Twilio media format; the bridge expects audio/x-mulaw at 8000 Hz",
                        [("encoding", start.encoding), ("sampleRate", String(start.sampleRate))])
        }
        override = claimOverride(start)
        var started = [("streamSid", start.streamSid), ("from", start.customParameters["From"] ?? ""),
                       ("provider", context.endpoint.provider)]
        if let metadata = override?.metadata, !metadata.isEmpty {
            // Names only: values may be personal data. Not "…_keys": the logger masks fields so named.
            started.append(("metadata_fields", metadata.keys.joined(separator: ",")))
            if !callSid.isEmpty { context.transcripts?.appendMetadata(callSid: callSid, metadata: metadata) }
        }
        log.info("call started", started)
        callStarted(start)
        limitCallLength()
        if let override, override.changesTheConversation {
            let greeting = override.greeting.map { $0.isEmpty ? "none" : "set" } ?? "default"
            log.info("per-call settings", [("instructions", override.instructions.map { "\($0.count) characters" } ?? "default"),
                                           ("greeting", greeting)])
        }
        providerOpenedAtMs = twilio.connection.loop.now
        if let warm = claimPrewarmed(start.callSid) {
            log.info("using the pre-warmed provider session", [("open", String(warm.link.openClient != nil))])
            state = .connecting(Connecting(configured: warm.configured, negotiation: warm.negotiation))
            link = warm.link
            warm.link.delegate = self
            if let client = warm.link.openClient { providerFailover(warm.link, didOpen: client) }
            return
        }
        if let target = start.customParameters["transfer_failed"] {
            transferReturn = (target, start.customParameters["transfer_status"] ?? "no-answer")
            if let saved = context.transferredCalls?.claim(callSid: callSid) { history = saved }
            log.info("the call is back from a transfer nobody took", [("target", target), ("status", transferReturn!.status),
                                                                       ("history_items", String(history.entries.count))])
        }
        state = .connecting(Connecting(restoring: transferReturn != nil))
        connectProvider(plan: context.providers.planForNewCall(nowMs: twilio.connection.loop.now), isReconnect: false)
    }

    /// Opens a provider session trying `plan` in order (see `ProviderFailover`).
    func connectProvider(plan: [Int], isReconnect: Bool) {
        link = ProviderFailover(pool: context.providers, plan: plan, loop: twilio.connection.loop, tls: context.tls,
                                timeoutMs: context.providerConnectTimeoutMs, log: log, isReconnect: isReconnect,
                                delegate: self)
    }

    // MARK: Ending

    /// Ends the call once: closes both sides and logs one summary line.
    /// Ends the call. `quiet` skips the "call ended" line, for streams refused before they
    /// became calls (their refusal was logged).
    func end(_ outcome: Outcome, closeTwilio: Bool, code: UInt16 = 1000, reason: String = "", quiet: Bool = false) {
        if case .connecting(let connecting) = state { connecting.timer?.cancel() }
        defer { meter.flush() }  // the frames counted since the last flush reach /metrics
        switch state {
        case .ended:
            return
        case _ where quiet:
            state = .ended(outcome)
            if closeTwilio { twilio.close(code: code, reason: reason) }
            onEnd(self, outcome)
            return
        default:
            break
        }
        if closeTwilio { flushAssistantAudio() }
        state = .ended(outcome)
        lengthTimers.forEach { $0.cancel() }
        let liveSession = live.flatMap { live in provider.map { (live, $0) } }
        if liveSession != nil { link?.detach() } else { link?.close() }
        link = nil
        toolsCallEnded()
        if let (live, client) = liveSession {
            liveClose(client, live)  // session.close now; the socket waits for session.closed
        } else {
            provider?.close()
        }
        provider = nil
        live = nil
        if closeTwilio { twilio.close(code: code, reason: reason) }
        if !callSid.isEmpty { context.transcripts?.finish(callSid: callSid) }
        recorder?.flush(final: true)
        let seconds = Double(twilio.connection.loop.now - startedAtMs) / 1000
        var fields = [("outcome", outcome.rawValue), ("duration_s", format1(seconds)),
                      ("frames_in", String(framesFromCaller)), ("frames_out", String(framesToCaller)),
                      ("responses", String(usage.responses)),
                      ("usage_audio_in", String(usage.audioInput + usage.audioInputCached)),
                      ("usage_audio_out", String(usage.audioOutput)),
                      ("usage_text_in", String(usage.textInput + usage.textInputCached)),
                      ("usage_text_out", String(usage.textOutput))]
        if usage.liveSeconds > 0 || usage.backendInput > 0 {
            fields.append(("usage_live_s", format1(usage.liveSeconds)))
            fields.append(("usage_backend_in", String(usage.backendInput)))
            fields.append(("usage_backend_out", String(usage.backendOutput)))
        }
        if let cost = usage.cost(context.prices, backend: context.backendPrices) { fields.append(("cost_usd_est", Self.formatCost(cost))) }
        log.info("call ended", fields)
        callEnded(outcome, seconds: seconds)
        onEnd(self, outcome)
    }

    static func formatCost(_ value: Double) -> String {
        let micro = Int((value * 10_000).rounded())
        let frac = String(micro % 10_000)
        return "\(micro / 10_000)." + String(repeating: "0", count: 4 - frac.count) + frac
    }

    private func format1(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}

extension CallSession: WSConnectionDelegate {
    public func webSocketDidOpen(_ socket: WSConnection) {}

    public func webSocket(_ socket: WSConnection, didReceiveText text: UnsafeRawBufferPointer) {
        lastHeardFromTwilioMs = socket.connection.loop.now
        handleTwilio(text)
    }

    public func webSocket(_ socket: WSConnection, didReceiveBinary data: UnsafeRawBufferPointer) {
        // Twilio never sends binary frames; a peer that does is not Twilio.
        log.warning("ignored a binary WebSocket message on the media stream", [("bytes", String(data.count))])
    }

    public func webSocket(_ socket: WSConnection, didCloseWith reason: WSCloseReason) {
        if !isEnded { log.info("Twilio WebSocket closed", [("reason", reason.description)]) }
        end(Self.outcome(ofTwilioClose: reason), closeTwilio: false)
    }

    /// How a call ends when Twilio's side of the stream closes: a WebSocket protocol violation
    /// (ours to detect, or reported by the peer's close code) is `protocol_error`; anything else —
    /// a normal close, a dropped connection — is the caller hanging up.
    static func outcome(ofTwilioClose reason: WSCloseReason) -> Outcome {
        switch reason {
        case .protocolError:
            return .protocolError
        case .closed(let code?, _) where [WSCloseCode.protocolError, WSCloseCode.unsupportedData, WSCloseCode.invalidPayloadData, WSCloseCode.messageTooBig].contains(code):
            return .protocolError
        default:
            return .callerHungUp
        }
    }
}
