import Live
import Tools
import Realtime

/// Transfer to a person (`transfer_call`): the model's sentence plays (the hang-up machinery
/// waits for its marks), then the HTTP side redirects the live call to `<Dial>`; Twilio ends this
/// stream. If Twilio refuses (the call is gone, 21220), the model is told and the call goes on.
extension CallSession {
    /// The sentence has played: hand the call over instead of closing it.
    func startTransfer(_ transfer: ToolResult.Transfer) {
        guard let target = context.transferTargets.first(where: { $0.name == transfer.target }), let transferCall = context.transferCall else {
            log.error("transfer asked for a target this call cannot reach; the call goes on",
                      [("target", transfer.target), ("hint", "transfer needs BRIDGE_API_KEY's Twilio credentials and PUBLIC_URL")])
            transferFailed("transfers are not set up on this bridge")
            return
        }
        context.transferredCalls?.remember(callSid: callSid, history: history)
        log.info("transferring the call", [("target", target.name), ("to", target.to), ("whisper", String(target.whisper))])
        watch(.transfer(target: target.name, done: false, refusal: nil))
        let request = TransferRequest(callSid: callSid, agent: context.agentName ?? "", target: target, summary: transfer.summary)
        transferCall(request) { [weak self] refusal in
            guard let self, !self.isEnded else { return }
            if let refusal {
                self.log.warning("Twilio refused the transfer; the call goes on with the assistant",
                                 [("target", target.name), ("error", refusal)])
                self.watch(.transfer(target: target.name, done: false, refusal: refusal))
                self.transferFailed(refusal)
            } else {
                self.tools.transferred = true
                self.watch(.transfer(target: target.name, done: true, refusal: nil))
                self.log.info("call transferred; Twilio ends the stream", [("target", target.name)])
                self.context.onCallTransferred?(self.callSid, request.agent, target.name, target.to, request.summary)
            }
        }
    }

    /// Tells the model the transfer did not happen, so it can take a message instead.
    private func transferFailed(_ why: String) {
        tools.pendingTransfer = nil
        tools.runner?.transferFailed()
        if case .active(var active) = state {
            active.hangingUp = false
            state = .active(active)
        }
        live?.hangingUp = false
        let note = "The transfer did not go through (\(why)). Tell the caller, apologise, and offer to take a message."
        if live != nil {
            provider?.send(LiveClientEvent.instructionsAppend(content: note, delegationId: nil))
            provider?.send(LiveClientEvent.responseCreate())
        } else {
            provider?.send(RealtimeClientEvent.conversationItemCreateSystemText(note))
            provider?.send(RealtimeClientEvent.responseCreate())
        }
    }
}
