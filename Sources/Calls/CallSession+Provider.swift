import Providers
import Net
import Realtime
import Twilio

extension CallSession: ProviderFailoverDelegate {
    public func providerFailover(_ failover: ProviderFailover, didOpen client: RealtimeClient) {
        guard failover === link, !isEnded else { return }
        client.delegate = self
        provider = client
        realtimeDidOpen(client)
    }

    public func providerFailover(_ failover: ProviderFailover, didFailWith reason: RealtimeCloseReason) {
        guard failover === link else { return }
        providerClosed(reason)
    }
}

extension CallSession: RealtimeClientDelegate {
    public func realtimeDidOpen(_ client: RealtimeClient) {
        guard case .connecting(let connecting) = state else { return }
        let connectMs = twilio.connection.loop.now - providerOpenedAtMs
        if let handshakeMs = client.handshakeMs { meter.providerOpened(afterMs: handshakeMs) }
        log.info(connecting.restoring ? "provider session reopened" : "provider session open",
                 [("provider", client.endpoint.provider), ("target", client.endpoint.label),
                  ("connect_ms", String(connectMs))])
        if client.endpoint.api == .live {
            liveOpened(client, connecting)
            return
        }
        if connecting.configured {
            begin(on: client)  // pre-warmed, and confirmed already
            return
        }
        // Nothing goes to the session before it confirms its configuration: a greeting or caller
        // audio under a refused one would be PCM16 played as μ-law, μ-law heard as PCM16.
        var negotiation = connecting.negotiation ?? context.negotiation(for: client.endpoint, instructions: override?.instructions)
        let first = negotiation.pendingEventId == nil ? negotiation.start() : nil
        connecting.negotiation = negotiation
        // A provider that never answers the update cannot carry the call either.
        connecting.timer?.cancel()
        connecting.timer = twilio.connection.loop.schedule(afterMs: Self.negotiationTimeoutMs) { [weak self, weak client] in
            guard let self, let client, client === self.provider, case .connecting(let now) = self.state,
                  now.negotiation?.isConfirmed == false else { return }
            self.negotiated(.failOver(reason: "no session.updated within \(Self.negotiationTimeoutMs) ms"), on: client)
        }
        if let first { negotiated(first, on: client) }
    }

    /// How long a provider may take to confirm a `session.update` before the call fails over.
    static let negotiationTimeoutMs: Int64 = 5_000

    /// Feeds a provider event to the session's configuration while it is not confirmed; true
    /// when the event was about it.
    private func negotiate(_ event: RealtimeServerEvent, on client: RealtimeClient) -> Bool {
        guard case .connecting(let connecting) = state, var negotiation = connecting.negotiation, !negotiation.isConfirmed,
              let action = negotiation.received(event) else { return false }
        connecting.negotiation = negotiation
        negotiated(action, on: client)
        return true
    }

    private func negotiated(_ action: SessionNegotiation.Action, on client: RealtimeClient) {
        context.learn(from: action, endpoint: client.endpoint, log: log)
        guard case .connecting(let connecting) = state else { return }
        switch action {
        case .send(let update, _):
            client.send(update)
        case .confirmed:
            begin(on: client)
        case .failOver(let reason):
            connecting.timer?.cancel()
            connecting.negotiation = nil
            provider = nil
            link?.rejectOpened(because: reason)
        }
    }

    /// The session is configured: the greeting (or the restored conversation) and the caller's
    /// held audio go to it, and the call is active.
    private func begin(on client: RealtimeClient) {
        guard case .connecting(let connecting) = state else { return }
        connecting.timer?.cancel()
        state = .active(Active())
        watch(.active)
        if connecting.restoring {
            restoreConversation(on: client)
        } else if !greeting.isEmpty {
            client.send(RealtimeClientEvent.responseCreate(instructions: RealtimeClientEvent.greetingInstructions(greeting)))
        }
        let held = callerAudio.release()
        if callerAudio.droppedWhileHeld > 0 {
            log.warning("caller audio dropped while the provider session opened", [("frames", String(callerAudio.droppedWhileHeld))])
        }
        for payload in held { client.send(RealtimeClientEvent.appendAudio(base64: payload)) }
    }

    /// What the assistant says first: this call's greeting, else `GREETING`.
    private var greeting: String { Self.withNotice(override?.greeting ?? context.greeting, recorded: recorder != nil ? context.recordingNotice : nil) }

    /// The greeting, after the recording notice when the call is recorded and one is set.
    static func withNotice(_ greeting: String, recorded notice: String?) -> String {
        guard let notice, !notice.isEmpty else { return greeting }
        return greeting.isEmpty ? notice : notice + " " + greeting
    }

    public func realtime(_ client: RealtimeClient, didReceive event: UnsafeRawBufferPointer) {
        if let live {
            liveReceived(event, from: client, live)
            return
        }
        // The bulk of a session's events, read in place (no String for the delta's ids).
        if !isConnecting, let delta = RealtimeServerEvent.audioDelta(event, indexingInto: &eventIndex) {
            _ = tools.runner?.observe(.assistantAudio)  // the audio path: never an action
            assistantAudio(delta)
            return
        }
        let decoded: RealtimeServerEvent
        do {
            decoded = try RealtimeServerEvent.decode(event)
        } catch {
            log.warning("ignored malformed provider event", [("error", String(describing: error))])
            return
        }
        if isConnecting, negotiate(decoded, on: client) { return }
        toolsObserve(decoded)
        switch decoded {
        case .audioDelta(let delta, let itemId, let responseId):
            assistantAudio(delta: delta, itemId: itemId, responseId: responseId)
        case .error(let type, let code, let message, let param, _):
            var fields = [("type", type ?? ""), ("code", code ?? ""), ("message", message)]
            if let param { fields.append(("param", param)) }
            if code == "unknown_parameter" {
                // Azure's GA dialect differs from OpenAI's; this is a bridge configuration bug, never noise.
                log.error("provider rejected a parameter the bridge sent; please report this", fields)
            } else if message.contains("already shorter than") || (code ?? "").contains("truncat") {
                // Recoverable: the conversation goes on and the assistant speaks on the next turn.
                log.warning("provider refused a truncation; continuing", fields)
            } else if code == "response_cancel_not_active" {
                log.debug("response already finished when cancelled", fields)
            } else {
                log.warning("provider error", fields)
            }
        case .sessionCreated:
            log.debug("provider session created")
        case .sessionUpdated:
            log.debug("provider session configured")
        case .speechStarted:
            meter.callerStartedSpeaking()
            log.debug("caller started speaking")
            callerStartedSpeaking()
        case .speechStopped:
            meter.callerStoppedSpeaking(nowMs: twilio.connection.loop.now)
            log.debug("caller stopped speaking")
        case .inputTranscriptCompleted(_, let transcript):
            utterance(role: "caller", transcript)
        case .outputItemAdded(let item):
            // Reasoning models speak a preamble ("Let me look that up") as an item of phase
            // "commentary" while a tool runs: audio like any other (barge-in included), marked
            // in the transcript.
            if item["phase"]?.stringValue == "commentary", let id = item["id"]?.stringValue {
                if commentaryItems.count > 64 { commentaryItems.removeAll() }
                commentaryItems.insert(id)
            }
        case .assistantTranscriptDone(let itemId, let transcript):
            let isPreamble = itemId.map { commentaryItems.remove($0) != nil } ?? false
            utterance(role: "assistant", transcript, phase: isPreamble ? "commentary" : nil)
        case .responseCreated(let responseId):
            responseInProgress = responseId ?? "response"
        case .responseDone(let responseId, let status, let usageJSON):
            if responseInProgress == (responseId ?? "response") { responseInProgress = nil }
            if let usageJSON { usage.add(usageJSON) }
            log.debug("response done", [("status", status ?? "")])
        default:
            break
        }
    }

    public func realtime(_ client: RealtimeClient, didCloseWith reason: RealtimeCloseReason) {
        guard client === provider else { return }
        providerClosed(reason)
    }

    /// The provider session ended, or could not be opened on any target.
    func providerClosed(_ reason: RealtimeCloseReason) {
        switch state {
        case .ended: return
        case .active: if recoverFromDrop(reason) { return }
        default: break
        }
        if case .connecting(let connecting) = state, connecting.restoring {
            log.error("could not reopen the provider session; ending the call", [("error", reason.description)])
            end(.providerDropped, closeTwilio: true, code: 1011, reason: "provider unavailable")
            return
        }
        switch reason {
        case .refused(let status, let body):
            log.error("provider refused the WebSocket handshake", [("status", String(status)), ("body", body),
                                                                   ("hint", ProviderHint.forStatus(status, provider: context.endpoint.provider))])
            end(.providerRefused, closeTwilio: true, code: 1011, reason: "provider refused")
        case .failed(let why):
            log.error("provider connection failed", [("error", why)])
            end(isConnecting ? .providerRefused : .providerDropped, closeTwilio: true, code: 1011, reason: "provider unavailable")
        case .closed(let code, let why):
            log.warning("provider closed the session", [("code", code.map(String.init) ?? "none"), ("reason", why)])
            end(.providerDropped, closeTwilio: true, code: 1011, reason: "provider closed")
        case .closedByUs:
            break
        }
    }
}
