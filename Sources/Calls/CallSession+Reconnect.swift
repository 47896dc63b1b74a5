import Providers
import Net
import Realtime
import Twilio

/// Mid-call recovery: when the provider session drops (it closed, the socket died, or the
/// session reached the provider's maximum length, which comes with no warning), the caller
/// hears a short apology, the bridge opens a new session on the next deployment and replays
/// the conversation so far; if that fails, the call ends.
extension CallSession {
    /// Starts recovering from `reason` if this call may; false means the caller must end the call.
    func recoverFromDrop(_ reason: RealtimeCloseReason) -> Bool {
        guard context.reconnectMidCall, !streamSid.isEmpty else { return false }
        guard reconnects < context.maxReconnectsPerCall else {
            log.warning("provider dropped again; not reconnecting", [("reconnects", String(reconnects)), ("error", reason.description)])
            return false
        }
        reconnects += 1
        let dropped = link?.openedTarget
        log.warning("provider session dropped mid-call; apologising and reconnecting",
                    [("error", reason.description), ("target", provider?.endpoint.label ?? ""),
                     ("history_items", String(history.entries.count)), ("reconnect", String(reconnects))])
        flushAssistantAudio()
        playReconnectPrompt()
        provider = nil
        if let live {
            live.turnTimer?.cancel()
            flushLiveTurns(live, force: true)
            usage.liveSessionEnded()
        }
        live = nil
        responseInProgress = nil
        // Item and response ids belong to the old session: never truncate them on the new one.
        playback.forgetItems()
        state = .connecting(Connecting(restoring: true))
        let now = twilio.connection.loop.now
        providerOpenedAtMs = now
        let plan = dropped.map { context.providers.planAfterDrop(of: $0, nowMs: now) } ?? context.providers.planForNewCall(nowMs: now)
        connectProvider(plan: plan, isReconnect: true)
        return true
    }

    /// Queues the apology at Twilio, after whatever assistant audio is still playing.
    private func playReconnectPrompt() {
        guard let prompt = context.reconnectPrompt else { return }
        for payload in prompt.payloads {
            twilio.sendText(TwilioOutbound.media(streamSid: streamSid, payload: payload))
        }
        framesToCaller += prompt.payloads.count
    }

    /// The new session learns the conversation: instructions (in `session.update`, already
    /// sent), then every utterance so far as conversation items, then a response that picks up
    /// where the call was.
    func restoreConversation(on client: RealtimeClient) {
        let items = history.restoreEvents(dialect: client.endpoint.dialect)
        for item in items { client.send(item) }
        client.send(RealtimeClientEvent.responseCreate(instructions: transferReturn.map(Self.transferReturnInstructions) ?? Self.resumeInstructions))
        log.info("conversation restored on the new provider session", [("items", String(items.count))])
    }

    /// What the model is asked to say when the caller comes back from a transfer nobody took.
    static func transferReturnInstructions(_ back: (target: String, status: String)) -> String {
        "You tried to transfer the caller to \(back.target), but the transfer did not connect (\(back.status)). "
            + "In one short sentence tell the caller, apologise, and offer to take a message."
    }

    /// What the model is asked to say first on the restored session.
    static let resumeInstructions = "The call was interrupted for a moment by a technical problem, and the caller "
        + "heard an apology. In one short sentence, tell the caller you are back, then continue the conversation "
        + "where it left off."
}
