import Audio
import Base64
import JSON
import Live
import Logging
import Net
import Realtime
import Twilio

/// One GPT-Live session's state on a call; a session that replaces it (a reconnect) starts afresh.
final class LiveCall {
    /// `session.start` → `session.started`, with the μ-law → PCM16 fallback.
    var start: LiveStart
    /// The format the service settled on; μ-law passes through, PCM16 is resampled.
    var format = LiveAudioFormat.pcmu
    var upsampler: MuLawUpsampler?
    var downsampler: PCM16Downsampler?
    /// Keeps Twilio's queue short when the service sends faster than real time.
    var pacer: LiveOutputPacer
    var pumpScheduled = false
    /// Transcript fragments grouped into turns, and the timer that ends quiet ones.
    var turns = LiveTranscriptTurns()
    var turnTimer: LoopTimer?
    /// The loop time of the assistant's last transcript fragment: it is speaking.
    var lastAssistantSpeechMs: Int64 = 0
    /// Set once the hang-up began: it waits for the assistant to fall quiet.
    var hangingUp = false
    /// Scratch buffers for resampling (reused: no allocation per frame once grown).
    var scratch: [UInt8] = []
    var scratchOut: [UInt8] = []

    init(start: LiveStart, maxQueuedMs: Int) {
        self.start = start
        pacer = LiveOutputPacer(maxQueuedMs: maxQueuedMs)
    }
}

@available(*, unavailable)
extension LiveCall: Sendable {}

/// GPT-Live (GPT-LIVE.md), the second voice API a call can run on. What differs from Realtime
/// is here; the rest of the call (Twilio, playback, tools, transcripts, usage, reconnect) is the
/// same code. Turn-taking is the model's: no speech-started event, no cancel, no truncate — the
/// caller's audio streams without pause, silence included, and the output is paced so that a
/// model that stops leaves no stale tail at Twilio.
extension CallSession {
    /// The service socket opened: `session.start`, then nothing until `session.started`.
    func liveOpened(_ client: RealtimeClient, _ connecting: Connecting) {
        let input = connecting.restoring ? history.entries.map {
            LiveInputMessage(role: $0.role == "caller" ? .user : .assistant, text: $0.text)
        } : []
        let config = context.liveConfig(for: client.endpoint, instructions: override?.instructions, input: input)
        let call = LiveCall(start: LiveStart(config: config), maxQueuedMs: context.live.maxQueuedMs)
        live = call
        if case .send(let text) = call.start.start() { client.send(text) }
        connecting.timer?.cancel()
        connecting.timer = twilio.connection.loop.schedule(afterMs: Self.negotiationTimeoutMs) { [weak self, weak client, weak call] in
            guard let self, let client, let call, call === self.live, client === self.provider, !call.start.isStarted else { return }
            self.liveFailOver("no session.started within \(Self.negotiationTimeoutMs) ms", client: client)
        }
    }

    /// One event from a GPT-Live service.
    func liveReceived(_ text: UnsafeRawBufferPointer, from client: RealtimeClient, _ live: LiveCall) {
        let event: LiveServerEvent
        do {
            event = try LiveServerEvent.decode(text)
        } catch {
            log.warning("ignored malformed provider event", [("error", String(describing: error))])
            return
        }
        if !live.start.isStarted, let action = live.start.received(event) {
            liveStart(action, client: client, live)
            return
        }
        switch event {
        case .outputAudioDelta(let delta):
            liveOutput(delta, live)
        case .inputTranscriptDelta(let delta, _, _):
            liveTranscript(role: "caller", delta, live)
        case .outputTranscriptDelta(let delta, _, _):
            live.lastAssistantSpeechMs = twilio.connection.loop.now
            liveTranscript(role: "assistant", delta, live)
            toolsObserve(.assistantAudio)
        case .responseEvent(_, let nested):
            if let backend = event.backendUsage { usage.addBackend(backend) }
            if let toolEvent = CallToolRunner.Event(liveResponseEvent: nested) { toolsObserve(toolEvent) }
        case .usageUpdated(let seconds, _):
            usage.liveSession(seconds: seconds)
        case .sessionClosed(let reason, let seconds):
            if let seconds { usage.liveSession(seconds: seconds) }
            log.info("provider session closed", [("reason", reason ?? "none"), ("seconds", seconds.map { String($0) } ?? "unknown")])
        case .error(let type, let code, let message, let param, let clientEventId):
            var fields = [("type", type ?? ""), ("code", code ?? ""), ("message", message)]
            if let param { fields.append(("param", param)) }
            if code == "unknown_parameter" {
                log.error("provider rejected a parameter the bridge sent; please report this", fields)
            } else {
                log.warning("provider error", fields)
            }
            toolsObserve(.error(code: code, message: message, eventId: clientEventId))
        case .delegationCreated(let delegationId, let target, _, _):
            log.debug("model delegated a task", [("delegation", delegationId), ("target", target)])
        case .commentaryAppended, .thinkingAppended, .instructionsAppended, .sessionStarted, .sessionUpdated, .info, .other:
            break
        }
    }


    private func liveStart(_ action: LiveStart.Action, client: RealtimeClient, _ live: LiveCall) {
        switch action {
        case .send(let text):
            log.warning("the provider refused μ-law audio; asking for PCM16 at 24 kHz, resampled by the bridge",
                        [("target", client.endpoint.label)])
            client.send(text)
        case .started(let format):
            live.format = format
            if format != .pcmu {
                live.upsampler = MuLawUpsampler(outputRate: format.rate)
                live.downsampler = PCM16Downsampler(inputRate: format.rate)
                guard live.upsampler != nil, live.downsampler != nil else {
                    liveFailOver("the service chose \(format.type) at \(format.rate) Hz, which the bridge cannot resample", client: client)
                    return
                }
            }
            log.info("GPT-Live session started", [("format", "\(format.type)/\(format.rate)"),
                                                  ("resampled", String(format != .pcmu))])
            liveBegin(on: client)
        case .failOver(let reason):
            liveFailOver(reason, client: client)
        }
    }

    private func liveFailOver(_ reason: String, client: RealtimeClient) {
        guard case .connecting(let connecting) = state else { return }
        log.error("the GPT-Live service cannot carry the call; failing over", [("target", client.endpoint.label), ("reason", reason)])
        connecting.timer?.cancel()
        live = nil
        provider = nil
        link?.rejectOpened(because: reason)
    }

    // MARK: Audio

    /// The caller's audio (Twilio's base64 μ-law) as the event for the service: passed through,
    /// or resampled to the session's PCM16.
    func callerAudioEvent(_ base64: String) -> String {
        guard let live else { return RealtimeClientEvent.appendAudio(base64: base64) }
        guard live.upsampler != nil else { return LiveClientEvent.inputAudioAppend(base64: base64) }
        live.scratch.removeAll(keepingCapacity: true)
        var text = base64
        _ = text.withUTF8 { Base64.decode(UnsafeRawBufferPointer($0), appendingTo: &live.scratch) }
        live.scratchOut.removeAll(keepingCapacity: true)
        live.scratch.withUnsafeBytes { live.upsampler!.process(muLaw: $0, appendingPCM16LE: &live.scratchOut) }
        return LiveClientEvent.inputAudioAppend(base64: live.scratchOut.withUnsafeBytes { Base64.encode($0) })
    }

    /// One output delta toward the caller: straight through at real-time pace, else held and
    /// released as Twilio plays (`LiveOutputPacer`); PCM16 is resampled to μ-law first.
    private func liveOutput(_ delta: String, _ live: LiveCall) {
        guard !streamSid.isEmpty else { return }
        let queued = playback.remainingMs(nowMs: twilio.connection.loop.now)
        if live.downsampler == nil, live.pacer.passesThrough(ms: Int64(Self.decodedLength(ofBase64: delta) / 8), queuedAtTwilioMs: queued) {
            assistantAudio(delta: delta, itemId: "live", responseId: nil)
            return
        }
        var text = delta
        live.scratch.removeAll(keepingCapacity: true)
        guard text.withUTF8({ Base64.decode(UnsafeRawBufferPointer($0), appendingTo: &live.scratch) }) else { return }
        if live.downsampler != nil {
            live.scratchOut.removeAll(keepingCapacity: true)
            live.scratch.withUnsafeBytes { live.downsampler!.process(pcm16LE: $0, appendingMuLaw: &live.scratchOut) }
            live.pacer.hold(live.scratchOut)
        } else {
            live.pacer.hold(live.scratch)
        }
        pumpLiveOutput(live)
    }

    /// Sends what the pacer releases now, and comes back while audio waits.
    private func pumpLiveOutput(_ live: LiveCall) {
        guard !isEnded, live === self.live else { return }
        let released = live.pacer.release(queuedAtTwilioMs: playback.remainingMs(nowMs: twilio.connection.loop.now))
        if !released.isEmpty {
            assistantAudio(delta: released.withUnsafeBytes { Base64.encode($0) }, itemId: "live", responseId: nil)
        }
        guard !live.pacer.isEmpty, !live.pumpScheduled else { return }
        live.pumpScheduled = true
        twilio.connection.loop.schedule(afterMs: LiveOutputPacer.pumpIntervalMs) { [weak self, weak live] in
            guard let self, let live else { return }
            live.pumpScheduled = false
            self.pumpLiveOutput(live)
        }
    }

    // MARK: Conversation

    /// The session started: the greeting (commentary the model says in its words) or, after a
    /// reconnect, a word that the call is back; then the caller's held audio.
    private func liveBegin(on client: RealtimeClient) {
        guard case .connecting(let connecting) = state else { return }
        connecting.timer?.cancel()
        state = .active(Active())
        watch(.active)
        if let back = transferReturn {
            client.send(LiveClientEvent.instructionsAppend(content: Self.transferReturnInstructions(back), delegationId: nil))
            client.send(LiveClientEvent.commentaryAppend(content: "I'm sorry, I couldn't connect you. Can I take a message?", delegationId: nil))
        } else if connecting.restoring {
            client.send(LiveClientEvent.commentaryAppend(content: Self.liveResumeCommentary, delegationId: nil))
            log.info("conversation restored on the new provider session", [("items", String(history.entries.count))])
        } else if !liveGreeting.isEmpty {
            client.send(LiveClientEvent.commentaryAppend(content: liveGreeting, delegationId: nil))
        }
        let held = callerAudio.release()
        if callerAudio.droppedWhileHeld > 0 {
            log.warning("caller audio dropped while the provider session opened", [("frames", String(callerAudio.droppedWhileHeld))])
        }
        for payload in held { client.send(callerAudioEvent(payload)) }
    }

    private var liveGreeting: String { Self.withNotice(override?.greeting ?? context.greeting, recorded: recorder != nil ? context.recordingNotice : nil) }

    /// What the model is asked to say on a session that replaced a dropped one.
    static let liveResumeCommentary = "Sorry about that, I'm back. Let's carry on where we were."

    /// A key press, as silent context for the model (GPT-Live has no user-text event).
    func liveKeyPress(_ digit: String) -> String {
        LiveClientEvent.thinkingAppend(content: "The caller pressed the key \(digit) on their phone keypad.", delegationId: nil)
    }

    private func liveTranscript(role: String, _ fragment: String, _ live: LiveCall) {
        for turn in live.turns.add(role: role, fragment, nowMs: twilio.connection.loop.now) {
            utterance(role: turn.role, turn.text)
        }
        armTurnTimer(live)
    }

    /// Ends the quiet turns a gap from now, while some are in progress.
    private func armTurnTimer(_ live: LiveCall) {
        guard !live.turns.isEmpty, live.turnTimer == nil else { return }
        live.turnTimer = twilio.connection.loop.schedule(afterMs: live.turns.gapMs) { [weak self, weak live] in
            guard let self, let live else { return }
            live.turnTimer = nil
            self.flushLiveTurns(live, force: false)
        }
    }

    /// Writes the turns that ended (all of them when `force`, at the end of the call).
    func flushLiveTurns(_ live: LiveCall, force: Bool) {
        for turn in live.turns.finished(nowMs: twilio.connection.loop.now, force: force) {
            utterance(role: turn.role, turn.text)
        }
        if !force { armTurnTimer(live) }
    }

    // MARK: Hang-up and close

    /// The model called `hang_up`: let the backend finish (one `response.create`, unless the
    /// runner just asked for the goodbye with one), wait until the assistant has been quiet for a
    /// moment (its goodbye said), then for the goodbye's marks, then end the call with
    /// `session.close`.
    func liveHangUp(_ live: LiveCall, goodbyeRequested: Bool) {
        guard !live.hangingUp, isActive else { return }
        live.hangingUp = true
        if !goodbyeRequested { provider?.send(LiveClientEvent.responseCreate(eventId: "hang_up_goodbye")) }
        let startedAt = twilio.connection.loop.now
        log.info("hanging up once the goodbye has been said and played")
        watch(.hangingUp)
        waitForLiveQuiet(live, startedAt: startedAt)
    }

    private func waitForLiveQuiet(_ live: LiveCall, startedAt: Int64) {
        let now = twilio.connection.loop.now
        let quietFor = now - max(live.lastAssistantSpeechMs, startedAt)
        guard quietFor >= Self.liveGoodbyeQuietMs || now - startedAt >= Self.liveGoodbyeMaxMs, live.pacer.isEmpty || now - startedAt >= Self.liveGoodbyeMaxMs else {
            twilio.connection.loop.schedule(afterMs: 100) { [weak self, weak live] in
                guard let self, let live, live === self.live, !self.isEnded else { return }
                self.waitForLiveQuiet(live, startedAt: startedAt)
            }
            return
        }
        let queued = playback.remainingMs(nowMs: now)
        whenAssistantAudioPlayed(timeoutMs: min(queued + CallTools.playbackGraceMs, CallTools.maxPlaybackWaitMs)) { [weak self] in
            guard let self, !self.isEnded else { return }
            if let transfer = self.tools.pendingTransfer {
                self.startTransfer(transfer)
                return
            }
            self.log.info("assistant ended the call", [("why", "goodbye played"), ("waited_ms", String(self.twilio.connection.loop.now - startedAt))])
            self.end(.completed, closeTwilio: true, code: 1000, reason: "call ended by the assistant")
        }
    }

    /// How long the assistant must be quiet after `hang_up` before the goodbye counts as said,
    /// and the longest the bridge waits for that.
    static let liveGoodbyeQuietMs: Int64 = 1_200
    static let liveGoodbyeMaxMs: Int64 = 15_000

    /// The call ends: `session.close` at once (the session bills by the second), then the socket
    /// waits a moment for `session.closed` and its final usage, apart from the call.
    func liveClose(_ client: RealtimeClient, _ live: LiveCall) {
        live.turnTimer?.cancel()
        flushLiveTurns(live, force: true)
        live.pacer.discard()
        client.send(LiveClientEvent.sessionClose(eventId: "session_close"))
        LiveCloser.await(client, loop: twilio.connection.loop, log: log)
    }
}

/// Holds a GPT-Live socket after its call ended, until `session.closed` (its final usage,
/// logged) or `waitMs`, then closes it.
final class LiveCloser: RealtimeClientDelegate {
    private let log: Logger
    private var timer: LoopTimer?
    /// The socket, and through it this closer, live until `finish()`.
    private var client: RealtimeClient?
    private var keepAlive: LiveCloser?

    static let waitMs: Int64 = 3_000

    private init(log: Logger) { self.log = log }

    static func await(_ client: RealtimeClient, loop: EventLoop, log: Logger) {
        let closer = LiveCloser(log: log)
        closer.keepAlive = closer
        closer.client = client
        client.delegate = closer
        closer.timer = loop.schedule(afterMs: waitMs) { [weak closer] in
            closer?.log.info("provider session closed", [("reason", "no session.closed within \(waitMs) ms"), ("seconds", "unknown")])
            closer?.finish()
        }
    }

    private func finish() {
        timer?.cancel()
        client?.close()
        client = nil
        keepAlive = nil
    }

    func realtimeDidOpen(_ client: RealtimeClient) {}

    func realtime(_ client: RealtimeClient, didReceive event: UnsafeRawBufferPointer) {
        guard case .sessionClosed(let reason, let seconds)? = try? LiveServerEvent.decode(event) else { return }
        log.info("provider session closed", [("reason", reason ?? "none"), ("seconds", seconds.map { String($0) } ?? "unknown")])
        finish()
    }

    func realtime(_ client: RealtimeClient, didCloseWith reason: RealtimeCloseReason) {
        finish()
    }
}

extension CallToolRunner.Event {
    /// What the runner needs of a GPT-Live backend event (the `event` of a `response.event`,
    /// a Responses streaming event); nil for the rest.
    init?(liveResponseEvent event: JSON) {
        switch event["type"]?.stringValue {
        case "response.created":
            self = .responseStarted
        case "response.output_item.added":
            guard let item = event["item"], item["type"]?.stringValue == "function_call", let id = item["id"]?.stringValue,
                  let name = item["name"]?.stringValue else { return nil }
            self = .functionCallNamed(itemId: id, name: name)
        case "response.output_item.done":
            guard let item = event["item"], item["type"]?.stringValue == "function_call" else { return nil }
            self = .functionCall(itemId: item["id"]?.stringValue, callId: item["call_id"]?.stringValue,
                                 name: item["name"]?.stringValue, arguments: item["arguments"]?.stringValue ?? "")
        case "response.completed", "response.failed", "response.incomplete", "response.cancelled":
            self = .responseDone
        default:
            return nil
        }
    }
}
