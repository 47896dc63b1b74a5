import Config
import Net
import Realtime
import Tools
import Twilio

/// Tools on a live call: every provider event passes through `toolsObserve` (a few comparisons,
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
        }
        return tools
    }

    /// Hook: sees every decoded provider event before the session handles it.
    func toolsObserve(_ event: RealtimeServerEvent) {
        if case .audioDelta(let delta, _, _) = event, !streamSid.isEmpty {
            tools.playback.sent(base64: delta, nowMs: twilio.connection.loop.now)
        }
        tools.runner?.observe(event)
    }

    /// Hook: a Twilio `mark` came back. The hang-up's own mark ends the call.
    func toolsMarkEchoed(_ name: String) {
        guard name == tools.hangUpMark else { return }
        finishHangUp(why: "goodbye played")
    }

    /// Hook: the call is ending; stop every tool and timer.
    func toolsCallEnded() {
        tools.runner?.stop()
        tools.hangUpTimer?.cancel()
        tools.hangUpTimer = nil
    }

    private func performToolAction(_ action: CallToolRunner.Action) {
        guard state == .active else { return }
        switch action {
        case .send(let event):
            provider?.send(event)
        case .hangUp(let waitForGoodbye):
            if waitForGoodbye {
                log.info("assistant hung up without a goodbye; asking for one")
                armHangUpTimer(ms: CallTools.goodbyeWaitMs) { [weak self] in self?.waitForPlaybackThenHangUp() }
            } else {
                waitForPlaybackThenHangUp()
            }
        }
    }

    /// Marks the end of the audio sent so far and waits for Twilio to echo it (it has then
    /// played), bounded by the queued audio's duration plus a grace period.
    private func waitForPlaybackThenHangUp() {
        guard tools.hangUpMark == nil else { return }
        guard !streamSid.isEmpty else {
            finishHangUp(why: "no media stream")
            return
        }
        let now = twilio.connection.loop.now
        tools.hangUpStartedAtMs = now
        tools.hangUpMark = CallTools.hangUpMarkName
        twilio.sendText(TwilioOutbound.mark(streamSid: streamSid, name: CallTools.hangUpMarkName))
        let queued = tools.playback.remainingMs(nowMs: now)
        log.info("hanging up after the queued audio plays", [("queued_ms", String(queued))])
        armHangUpTimer(ms: min(queued + CallTools.playbackGraceMs, CallTools.maxPlaybackWaitMs)) { [weak self] in
            self?.finishHangUp(why: "mark not echoed in time")
        }
    }

    private func armHangUpTimer(ms: Int64, then expire: @escaping () -> Void) {
        tools.hangUpTimer?.cancel()
        tools.hangUpTimer = twilio.connection.loop.schedule(afterMs: ms) { [weak self] in
            self?.tools.hangUpTimer = nil
            expire()
        }
    }

    private func finishHangUp(why: String) {
        guard state != .ended else { return }
        let waited = tools.hangUpStartedAtMs == 0 ? 0 : twilio.connection.loop.now - tools.hangUpStartedAtMs
        log.info("assistant ended the call", [("why", why), ("waited_ms", String(waited))])
        end(.completed, closeTwilio: true, code: 1000, reason: "call ended by the assistant")
    }
}
