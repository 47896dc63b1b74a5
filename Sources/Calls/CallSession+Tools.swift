import Logging
import Net
import Realtime
import Tools

/// Tools on a live call: every provider event passes through `toolsObserve` (a few comparisons;
/// nothing on the audio path waits), tool results go back to the provider from the runner, and
/// `hang_up` closes Twilio's socket once the goodbye has played.
extension CallSession {
    /// The tool state for this call, with a runner when the context offers tools.
    func makeTools() -> CallTools {
        let tools = CallTools()
        if let registry = context.tools, !registry.tools.isEmpty {
            tools.runner = CallToolRunner(registry: registry, log: { [weak self] in self?.log ?? Logger() }) { [weak self] action in
                self?.performToolAction(action)
            }
            let metrics = context.metrics
            tools.runner?.onToolFinished = { tool, outcome in metrics.recordToolCall(tool: tool, outcome: outcome) }
        }
        return tools
    }

    /// Hook: sees every decoded provider event before the session handles it.
    func toolsObserve(_ event: RealtimeServerEvent) {
        if case .audioDelta(let delta, let itemId, let responseId) = event, !streamSid.isEmpty,
           !playback.isInterrupted(responseId: responseId, itemId: itemId) {
            tools.playback.sent(bytes: Self.decodedLength(ofBase64: delta), nowMs: twilio.connection.loop.now)
        }
        tools.runner?.observe(event)
    }

    /// Hook: the call is ending; stop every tool and timer.
    func toolsCallEnded() {
        tools.runner?.stop()
        tools.goodbyeTimer?.cancel()
        tools.goodbyeTimer = nil
        tools.retryTimer?.cancel()
        tools.retryTimer = nil
    }

    private func performToolAction(_ action: CallToolRunner.Action) {
        guard state == .active else { return }
        switch action {
        case .send(let event):
            provider?.send(event)
        case .hangUp(let waitForGoodbye):
            if waitForGoodbye {
                log.info("assistant hung up without a goodbye; asking for one")
                tools.goodbyeTimer = twilio.connection.loop.schedule(afterMs: CallTools.goodbyeWaitMs) { [weak self] in
                    self?.hangUpAfterPlayback()
                }
            } else {
                hangUpAfterPlayback()
            }
        case .scheduleRetry(let afterMs):
            tools.retryTimer?.cancel()
            tools.retryTimer = twilio.connection.loop.schedule(afterMs: afterMs) { [weak self] in
                self?.tools.retryTimer = nil
                self?.tools.runner?.retryResponseCreate()
            }
        }
    }

    /// Waits for the mark of the last audio sent (it has then played), bounded by the queued
    /// audio's duration plus a grace period, then closes Twilio's socket: the call ends.
    private func hangUpAfterPlayback() {
        tools.goodbyeTimer?.cancel()
        tools.goodbyeTimer = nil
        guard !tools.hangingUp, state == .active else { return }
        tools.hangingUp = true
        let startedAt = twilio.connection.loop.now
        let queued = tools.playback.remainingMs(nowMs: startedAt)
        log.info("hanging up after the queued audio plays", [("queued_ms", String(queued))])
        whenAssistantAudioPlayed(timeoutMs: min(queued + CallTools.playbackGraceMs, CallTools.maxPlaybackWaitMs)) { [weak self] in
            guard let self, self.state != .ended else { return }
            let why = self.playback.isPlaying ? "wait bound reached" : "goodbye played"
            self.log.info("assistant ended the call", [("why", why),
                                                       ("waited_ms", String(self.twilio.connection.loop.now - startedAt))])
            self.end(.completed, closeTwilio: true, code: 1000, reason: "call ended by the assistant")
        }
    }
}
