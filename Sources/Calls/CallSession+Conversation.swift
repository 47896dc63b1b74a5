import Config
import Realtime

/// DTMF and transcripts: what the caller does besides talking, and the record of what was said.
extension CallSession {
    /// A key press reaches the model as a user text item (`FORWARD_DTMF`, on by default), and
    /// the model answers unless it is already speaking.
    func callerPressed(_ digit: String) {
        log.info("caller pressed a key", [("digit", digit)])
        guard context.conversation.forwardDTMF, state == .active, let provider else { return }
        provider.send(RealtimeClientEvent.conversationItemCreateUserText("[caller pressed \(digit)]"))
        if responseInProgress == nil {
            provider.send(RealtimeClientEvent.responseCreate())
        }
    }

    /// One finished utterance: to `TRANSCRIPTS_DIR/<CallSid>.jsonl` when set, and the debug log.
    func utterance(role: String, _ text: String) {
        log.debug(role == "caller" ? "caller said" : "assistant said", [("text", text)])
        history.append(role: role, text)
        guard !callSid.isEmpty, let transcripts = context.transcripts else { return }
        transcripts.append(callSid: callSid, role: role, text: text)
    }
}
