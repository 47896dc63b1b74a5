import Net
import Twilio

/// Hold audio while a slow tool runs: when a function call has run for `TOOL_HOLD_AFTER_MS`
/// and the assistant has said nothing since it started (and nothing it said is still playing),
/// the caller hears a soft looped chime (`config/prompts/hold.ulaw`) instead of dead air. The
/// answer's first audio `clear`s it first. It is not assistant audio: no marks, so barge-in and
/// truncation never count it.
extension CallSession {
    /// A tool started at `startedAtMs`: arms the hold.
    func toolStartedForHold(at startedAtMs: Int64) {
        guard let prompt = context.holdPrompt, !prompt.payloads.isEmpty, context.toolHoldAfterMs > 0,
              tools.holdTimer == nil, !tools.holdPlaying else { return }
        tools.holdTimer = twilio.connection.loop.schedule(afterMs: context.toolHoldAfterMs) { [weak self] in
            self?.tools.holdTimer = nil
            self?.startHoldIfSilent(toolStartedAtMs: startedAtMs)
        }
    }

    private func startHoldIfSilent(toolStartedAtMs: Int64) {
        guard isActive, !tools.running.isEmpty, lastAssistantAudioMs <= toolStartedAtMs, !tools.holdPlaying else { return }
        let loop = twilio.connection.loop
        let stillPlaying = playback.remainingMs(nowMs: loop.now)
        guard stillPlaying <= 0 else {
            // What the assistant said before the tool is still playing: start when it ends.
            tools.holdTimer = loop.schedule(afterMs: stillPlaying) { [weak self] in
                self?.tools.holdTimer = nil
                self?.startHoldIfSilent(toolStartedAtMs: toolStartedAtMs)
            }
            return
        }
        tools.holdPlaying = true
        tools.holdStartedMs = loop.now
        log.info("playing hold audio while a tool runs", [("after_ms", String(loop.now - toolStartedAtMs))])
        pumpHold()
        pumpHold()  // 200 ms queued at Twilio: a cushion against jitter, little to clear
    }

    /// Sends the next 100 ms of the hold loop; again in 100 ms while it plays.
    private func pumpHold() {
        guard tools.holdPlaying, isActive, let prompt = context.holdPrompt else { return }
        let now = twilio.connection.loop.now
        if now - tools.holdStartedMs >= CallTools.maxHoldMs || (tools.running.isEmpty && now - tools.lastToolAnsweredMs >= CallTools.holdAfterAnswerMs) {
            stopHold(clear: false)  // the answer did not come as audio: stop rather than loop on
            return
        }
        twilio.sendText(TwilioOutbound.media(streamSid: streamSid, payload: prompt.payloads[tools.holdIndex % prompt.payloads.count]))
        tools.holdIndex += 1
        guard tools.holdPump == nil else { return }
        tools.holdPump = twilio.connection.loop.schedule(afterMs: 100) { [weak self] in
            self?.tools.holdPump = nil
            self?.pumpHold()
        }
    }

    /// Stops the hold; `clear` flushes what of it is still queued at Twilio (the answer comes).
    func stopHold(clear: Bool) {
        tools.holdTimer?.cancel()
        tools.holdTimer = nil
        guard tools.holdPlaying else { return }
        tools.holdPlaying = false
        tools.holdPump?.cancel()
        tools.holdPump = nil
        tools.holdIndex = 0
        if clear { twilio.sendText(TwilioOutbound.clear(streamSid: streamSid)) }
        log.debug("hold audio stopped", [("cleared", String(clear))])
    }
}
