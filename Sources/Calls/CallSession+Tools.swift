import Metrics
import Live
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
            tools.registry = registry
            tools.runner = CallToolRunner(offered: Set(registry.names)) { [weak self] in self?.log ?? Logger() }
        }
        return tools
    }

    /// Hook: sees every decoded provider event before the session handles it.
    func toolsObserve(_ event: RealtimeServerEvent) {
        guard let runner = tools.runner else { return }
        if case .audioDelta = event {
            _ = runner.observe(.assistantAudio)  // the audio path: no conversion, never an action
            return
        }
        guard let toolEvent = CallToolRunner.Event(event) else { return }
        perform(runner.observe(toolEvent))
    }

    /// Hook: a provider event in the runner's terms (GPT-Live's backend events).
    func toolsObserve(_ event: CallToolRunner.Event) {
        guard let runner = tools.runner else { return }
        perform(runner.observe(event))
        if let live, case .functionCall = event { answerLiveCallsIfTheResponseStaysOpen(live) }
    }

    /// GPT-Live's backend may keep its response open while it waits for the outputs ("continue
    /// a delegated response waiting for tool results", the SDK says) or complete it as the
    /// Responses API does; the runner answers after a `response.completed`, so if none comes
    /// within a moment of a function call, the calls made so far are taken as the whole batch.
    private func answerLiveCallsIfTheResponseStaysOpen(_ live: LiveCall) {
        tools.liveBatchTimer?.cancel()
        tools.liveBatchTimer = twilio.connection.loop.schedule(afterMs: CallTools.liveBatchWaitMs) { [weak self, weak live] in
            guard let self, let live, live === self.live, let runner = self.tools.runner, runner.awaitsResponseDone else { return }
            self.log.debug("backend response still open after its function calls; answering them")
            self.perform(runner.observe(.responseDone))
        }
    }

    /// Hook: the call is ending; stop every tool and timer.
    func toolsCallEnded() {
        if let actions = tools.runner?.stop() { perform(actions) }
        tools.goodbyeTimer?.cancel()
        tools.goodbyeTimer = nil
        tools.retryTimer?.cancel()
        tools.retryTimer = nil
        tools.liveBatchTimer?.cancel()
        tools.liveBatchTimer = nil
        stopHold(clear: false)
    }

    private func perform(_ actions: [CallToolRunner.Action]) {
        for action in actions { perform(action) }
    }

    private func perform(_ action: CallToolRunner.Action) {
        switch action {
        case .run(let callId, let name, let arguments):
            log.info("tool called", [("tool", name), ("call_id", callId)])
            watch(.toolCalled(callId: callId, name: name, arguments: arguments))
            tools.running[callId] = (nil, name, twilio.connection.loop.now)
            let task = tools.registry.run(ToolCall(name: name, callId: callId, arguments: arguments, log: log)) { [weak self] result in
                self?.toolAnswered(callId: callId, result: result)
            }
            // A tool may have answered already (hang_up does, synchronously).
            if tools.running[callId] != nil {
                tools.running[callId]?.task = task
                toolStartedForHold(at: twilio.connection.loop.now)
            }
        case .cancel(let callId):
            tools.running.removeValue(forKey: callId)?.task?.cancel()
        case .count(let tool, let outcome):
            context.metrics.recordToolCall(tool: tool, outcome: outcome)
        case .answer(let callId, let output):
            guard isActive else { return }
            provider?.send(live == nil ? RealtimeClientEvent.functionCallOutput(callId: callId, output: output)
                                       : LiveClientEvent.functionCallOutput(callId: callId, output: output))
        case .requestResponse(let eventId, let instructions):
            guard isActive else { return }
            if live != nil {
                if let instructions { provider?.send(LiveClientEvent.instructionsAppend(content: instructions, delegationId: nil)) }
                provider?.send(LiveClientEvent.responseCreate(eventId: eventId))
            } else {
                provider?.send(RealtimeClientEvent.responseCreate(instructions: instructions, eventId: eventId))
            }
        case .hangUp(let waitForGoodbye):
            guard isActive else { return }
            if let live {
                liveHangUp(live, goodbyeRequested: waitForGoodbye)
            } else if waitForGoodbye {
                log.info("assistant hung up without a goodbye; asking for one")
                tools.goodbyeTimer = twilio.connection.loop.schedule(afterMs: CallTools.goodbyeWaitMs) { [weak self] in
                    self?.hangUpAfterPlayback()
                }
            } else {
                hangUpAfterPlayback()
            }
        case .transfer(let transfer):
            tools.pendingTransfer = transfer
        case .scheduleRetry(let afterMs):
            guard isActive else { return }
            tools.retryTimer?.cancel()
            tools.retryTimer = twilio.connection.loop.schedule(afterMs: afterMs) { [weak self] in
                guard let self else { return }
                self.tools.retryTimer = nil
                if let actions = self.tools.runner?.retryResponseCreate() { self.perform(actions) }
            }
        }
    }

    /// A tool answered: logged with its time, then the runner decides what goes back.
    private func toolAnswered(callId: String, result: ToolResult) {
        guard !isEnded, let run = tools.running.removeValue(forKey: callId) else { return }
        tools.lastToolAnsweredMs = twilio.connection.loop.now
        log.info("tool answered", [("tool", run.name), ("call_id", callId),
                                   ("ms", String(twilio.connection.loop.now - run.startedAtMs)),
                                   ("output_bytes", String(result.output.utf8.count))])
        watch(.toolAnswered(callId: callId, name: run.name, outcome: result.outcome, output: result.output,
                            ms: twilio.connection.loop.now - run.startedAtMs))
        if let actions = tools.runner?.finished(callId: callId, result: result) { perform(actions) }
    }

    /// Waits for the mark of the last audio sent (it has then played), bounded by the queued
    /// audio's duration plus a grace period, then closes Twilio's socket: the call ends.
    private func hangUpAfterPlayback() {
        tools.goodbyeTimer?.cancel()
        tools.goodbyeTimer = nil
        guard case .active(var active) = state, !active.hangingUp else { return }
        active.hangingUp = true
        state = .active(active)
        flushAssistantAudio()
        let startedAt = twilio.connection.loop.now
        let queued = playback.remainingMs(nowMs: startedAt)
        log.info("hanging up after the queued audio plays", [("queued_ms", String(queued))])
        watch(.hangingUp)
        whenAssistantAudioPlayed(timeoutMs: min(queued + CallTools.playbackGraceMs, CallTools.maxPlaybackWaitMs)) { [weak self] in
            guard let self, !self.isEnded else { return }
            if let transfer = self.tools.pendingTransfer {
                self.startTransfer(transfer)
                return
            }
            let why = self.playback.isPlaying ? "wait bound reached" : "goodbye played"
            self.log.info("assistant ended the call", [("why", why),
                                                       ("waited_ms", String(self.twilio.connection.loop.now - startedAt))])
            self.end(.completed, closeTwilio: true, code: 1000, reason: "call ended by the assistant")
        }
    }
}
