import Foundation
import Realtime

/// DTMF and transcripts: what the caller does besides talking, and the record of what was said.
extension CallSession {
    /// A key press reaches the model as a user text item (`FORWARD_DTMF`, on by default), and
    /// the model answers unless it is already speaking.
    func callerPressed(_ digit: String) {
        log.info("caller pressed a key", [("digit", digit)])
        guard context.conversation.forwardDTMF, isActive, let provider else { return }
        if live != nil {
            provider.send(liveKeyPress(digit))
            return
        }
        provider.send(RealtimeClientEvent.conversationItemCreateUserText("[caller pressed \(digit)]"))
        if responseInProgress == nil {
            provider.send(RealtimeClientEvent.responseCreate())
        }
    }

    /// One finished utterance: to `TRANSCRIPTS_DIR/<CallSid>.jsonl` when set, and the debug log.
    /// `phase` is the output item's (`commentary` for a reasoning model's preamble), kept in the
    /// transcript so a reader tells a preamble from the answer.
    func utterance(role: String, _ text: String, phase: String? = nil) {
        log.debug(role == "caller" ? "caller said" : "assistant said", [("text", text)] + (phase.map { [("phase", $0)] } ?? []))
        history.append(role: role, text)
        watch(.utterance(role: role, text: text, phase: phase))
        guard !callSid.isEmpty, let transcripts = context.transcripts else { return }
        transcripts.append(callSid: callSid, role: role, text: text, phase: phase, agent: context.agentName)
        transcriptCopy?.append(role: role, text: text, time: TranscriptWriter.iso8601(Date()))
    }
}
