import Metrics
import Net
import Twilio
import WebSocket

/// Owns the live calls of one event loop: creates a `CallSession` for each Media Stream and
/// forgets it when it ends.
public final class CallManager {
    /// Shared call configuration: the environment's agent, or the defaults agents build on.
    public var context: CallContext
    /// The agents of `config/agents/`, when there are any; swapped whole on reload.
    public var agents: Agents?
    private var sessions: [Int: CallSession] = [:]
    private var nextID = 1
    private var trimTimers: [LoopTimer] = []
    private var prewarmed: PrewarmedSessions?
    /// Streams upgraded that have not sent an admitted `start` yet, by session id.
    private var awaitingIDs: Set<Int> = []
    private var watchdog: LoopTimer?
    /// A stream must send `start` this soon after its upgrade, in milliseconds, or it is closed.
    public var startTimeoutMs: Int64 = 10_000
    /// A started call whose Twilio side sends nothing for this long ends (`twilio_silent`), in
    /// milliseconds: Twilio sends a frame every 20 ms, silence included.
    public var silentStreamTimeoutMs: Int64 = 15_000
    /// Outbound calls' metadata and overrides too long for their TwiML, kept server-side (one
    /// store for all loops: `CallLoops` members share loop 0's).
    public var outboundRecords: OutboundCallRecords
    /// The group this manager's loop belongs to, when streams are placed through one.
    public internal(set) weak var loops: CallLoops?
    /// This manager's loop's index in `loops`.
    public internal(set) var loopIndex = 0
    /// Admits the `start` of streams this manager adopts from another loop (`adopt`), and of
    /// those `accept` is given no other admission for.
    public var admission: StartAdmission?

    /// Creates a manager for calls configured by `context`; `loop` enables pre-warming.
    public init(context: CallContext, loop: EventLoop? = nil) {
        self.context = context
        self.outboundRecords = OutboundCallRecords(clock: loop?.clock ?? .monotonic)
        if let loop, context.conversation.prewarm { prewarmed = PrewarmedSessions(context: context, loop: loop) }
    }

    /// Opens the provider session for `callSid` now, while Twilio is still fetching the TwiML,
    /// on the target of `agent`'s context (the default one when nil).
    public func prewarm(callSid: String, agent: String? = nil) {
        prewarmed?.warm(callSid: callSid, context: context(forAgent: agent))
    }

    /// The context of the agent named `agent`, else the default agent's, else the environment's.
    public func context(forAgent agent: String?) -> CallContext {
        guard let agents else { return context }
        if let agent, let found = agents.context(named: agent) { return found }
        return agents.defaultName.flatMap { agents.context(named: $0) } ?? context
    }

    /// Provider sessions pre-warmed for webhooks whose stream has not claimed them yet.
    public var prewarmedSessions: Int { prewarmed?.count ?? 0 }
    /// Whether webhooks pre-warm provider sessions here (`PREWARM`).
    public var prewarms: Bool { prewarmed != nil }
    /// How long a pre-warmed session waits for its stream, in milliseconds.
    public var prewarmClaimTimeoutMs: Int64 { prewarmed?.claimTimeoutMs ?? 0 }

    /// The number of Media Streams open, started or not.
    public var activeCalls: Int { sessions.count }
    /// Calls whose `start` was admitted (they hold a `MAX_CALLS` slot).
    public var startedCalls: Int { sessions.count - awaitingIDs.count }
    /// Streams upgraded that have not sent `start` yet.
    public var awaitingStart: Int { awaitingIDs.count }

    /// Admits a stream's `start` (its CallSid, its parameters, the calls already started): nil to
    /// admit. The HTTP side's gate checks the stream token and takes the call's slot.
    public typealias StartAdmission = (_ callSid: String, _ parameters: [String: String], _ startedCalls: Int) -> StartRefusal?

    /// Adopts a freshly upgraded Twilio Media Stream socket; `admit` (else `admission`) admits
    /// its `start`.
    @discardableResult
    public func accept(_ socket: WSConnection, admit: StartAdmission? = nil) -> CallSession {
        // Without an admission a `start` is refused, never let through unchecked (the loops'
        // admissions are set as they start, before any stream can reach them).
        let admit = admit ?? admission ?? { _, _, _ in
            StartRefusal(code: 1013, reason: "not ready", outcome: "rejected_busy", cause: "no admission set for this loop's calls yet")
        }
        let id = nextID
        nextID += 1
        let session = CallSession(id: id, twilio: socket, context: context,
                                  relocate: { [weak self] start, text in self?.relocate(id: id, socket: socket, start: start, text: text) ?? false },
                                  claimPrewarmed: { [weak self] sid in self?.prewarmed?.claim(callSid: sid) },
                                  claimOverride: { [weak self] start in self?.override(for: start) },
                                  selectContext: { [weak self] start in
                                      guard let self else { return nil }
                                      return self.context(forAgent: start.customParameters["agent"])
                                  },
                                  admitStart: { [weak self] start in
                                      guard let self else { return nil }
                                      let refusal = admit(start.callSid, start.customParameters, self.startedCalls)
                                      if refusal == nil { self.awaitingIDs.remove(id) }
                                      return refusal
                                  }) { [weak self] ended, outcome in
            guard let self else { return }
            self.sessions[ended.id] = nil
            let wasStarted = self.awaitingIDs.remove(ended.id) == nil
            self.loops?.streamEnded(on: self.loopIndex, wasStarted: wasStarted)
            self.record(outcome)
            self.trimMemoryWhenIdle(loop: socket.connection.loop)
        }
        socket.delegate = session
        socket.label = "twilio#\(id)"
        sessions[id] = session
        awaitingIDs.insert(id)
        watchStreams(loop: socket.connection.loop)
        context.logger.debug("media stream connected", [("conn", String(id)), ("peer", socket.connection.peer), ("loop", String(loopIndex))])
        return session
    }

    /// A stream's `start` names a call whose provider session was pre-warmed on another loop of
    /// the group: the stream moves there (before anything of the call begins), and that loop's
    /// manager starts the call with the same `start`. True when it moves.
    private func relocate(id: Int, socket: WSConnection, start: TwilioStart, text: UnsafeRawBufferPointer) -> Bool {
        guard let loops, let target = loops.takePrewarmedLoop(callSid: start.callSid), target != loopIndex,
              socket.canHandOver else { return false }
        sessions[id] = nil
        awaitingIDs.remove(id)
        loops.streamMoved(from: loopIndex, to: target)
        let startText = Array(text)
        let from = loopIndex
        socket.handOver(to: loops.handle(target), then: { socket in
            guard let manager = loops.manager(on: socket.connection.loop) else {
                socket.close(code: 1011, reason: "no call manager on this loop")
                return
            }
            loops.streamMoved(from: target, to: manager.loopIndex)  // it stayed home (could not move)
            manager.adopt(socket, replaying: startText, from: from)
        }, ifClosed: {
            loops.placedStreamClosed(on: target)
        })
        return true
    }

    /// Takes a stream moved here from loop `from` and starts its call with its `start` message.
    func adopt(_ socket: WSConnection, replaying start: [UInt8], from: Int) {
        let session = accept(socket)
        session.log.debug("media stream moved to the pre-warmed session's loop", [("from_loop", String(from)), ("loop", String(loopIndex))])
        start.withUnsafeBytes { session.webSocket(socket, didReceiveText: $0) }
    }

    /// An outbound call's instructions, greeting and metadata: from the record its `outbound`
    /// parameter names, else inline in its parameters (without metadata, which only the record
    /// holds); nil for inbound calls.
    func override(for start: TwilioStart) -> CallOverride? {
        let inline = CallOverride(customParameters: start.customParameters)
        guard let token = start.customParameters["outbound"] else { return inline }
        if let found = outboundRecords.claim(token) { return found }
        let log = context.logger.with("call", start.callSid)
        if inline != nil {
            // The instructions and greeting travelled with the call; only the metadata stayed behind.
            log.info("this outbound call's metadata was not found (placed by another replica, or expired); the call goes on without it")
        } else {
            log.warning("this outbound call's record was not found (placed by another replica, or expired); using the default instructions and greeting, without its metadata",
                        [("hint", "keep per-call instructions under about 3000 characters so they travel with the call")])
        }
        return inline
    }

    /// While any stream is open, once a second: ends streams that never sent `start` and calls
    /// whose Twilio side went silent, so neither holds a slot (or a drain) for long.
    private func watchStreams(loop: EventLoop) {
        guard watchdog == nil else { return }
        watchdog = loop.schedule(afterMs: 1_000) { [weak self] in
            guard let self else { return }
            self.watchdog = nil
            let now = loop.now
            for session in Array(self.sessions.values) {
                if self.awaitingIDs.contains(session.id) {
                    if now - session.startedAtMs >= self.startTimeoutMs {
                        session.log.warning("closed a media stream that sent no start event", [
                            ("after_ms", String(now - session.startedAtMs)), ("peer", session.twilio.connection.peer)])
                        session.end(.noStart, closeTwilio: true, code: 1008, reason: "no start event", quiet: true)
                    }
                } else if now - session.lastHeardFromTwilioMs >= self.silentStreamTimeoutMs {
                    session.log.warning("Twilio sent nothing for too long; ending the call", [
                        ("silent_ms", String(now - session.lastHeardFromTwilioMs)),
                        ("hint", "Twilio sends a media frame every 20 ms; the stream or its network path is gone")])
                    session.end(.twilioSilent, closeTwilio: true, code: 1001, reason: "no media")
                }
            }
            if !self.sessions.isEmpty { self.watchStreams(loop: loop) }
        }
    }

    /// Once the last call has ended, returns the freed pages to the OS: 2 s later, when its sockets
    /// have usually closed, and again 12 s later, past the close timeouts (5 s for a WebSocket
    /// close handshake, 10 s for unsent output) that can keep a slow peer's buffers alive.
    private func trimMemoryWhenIdle(loop: EventLoop) {
        // malloc_trim locks every arena while it runs: not while another loop carries calls.
        guard sessions.isEmpty, (loops?.activeCalls ?? 0) == 0 else { return }
        for timer in trimTimers { timer.cancel() }
        trimTimers = [2_000, 12_000].map { delayMs in
            loop.schedule(afterMs: delayMs) { [weak self] in
                // A call that started meanwhile postpones the trim to its own end.
                guard let self, self.sessions.isEmpty, (self.loops?.activeCalls ?? 0) == 0 else { return }
                MemoryTrim.releaseFreePages()
            }
        }
    }

    /// Records the outcome of an ended call.
    func record(_ outcome: CallSession.Outcome) {
        context.metrics.recordCall(outcome: outcome.rawValue)
    }

    /// Ends every call (shutdown) with `outcome`, closing Twilio's socket with 1001 "going away".
    public func endAll(_ outcome: CallSession.Outcome = .completed) {
        for session in sessions.values { session.end(outcome, closeTwilio: true, code: 1001, reason: "bridge shutting down") }
    }
}
