import JSON
import Twilio

/// The call's summary for `CallContext.onCallStarted` and `onCallEnded` (call events).
extension CallSession {
    /// Called once the "call started" line is logged.
    func callStarted(_ start: TwilioStart) {
        let parameters = start.customParameters
        let direction: CallSummary.Direction = parameters["Direction"] == "outbound" || parameters["outbound"] != nil
            ? .outbound : .inbound
        summary = CallSummary(callSid: start.callSid, streamSid: start.streamSid, from: parameters["From"] ?? "",
                              to: parameters["To"] ?? "", agent: context.agentName, direction: direction,
                              metadata: override?.metadata ?? JSONObject())
        if context.transcripts != nil && context.onCallEnded != nil { transcriptCopy = CallTranscript() }
        if let summary {
            context.onCallStarted?(summary)
            context.watch?.post(callSid, .started(summary, provider: context.endpoint.provider))
        }
    }

    /// Tells the console (`CallContext.watch`) what the call did; a no-op when it is off.
    func watch(_ event: @autoclosure () -> CallWatchEvent) {
        guard let watch = context.watch else { return }
        watch.post(callSid, event())
    }

    /// Called once the "call ended" line is logged: the same figures, for a call that started.
    func callEnded(_ outcome: Outcome, seconds: Double) {
        guard var summary, context.onCallEnded != nil || context.watch != nil else { return }
        var figures: [(name: String, value: Double)] = [
            ("responses", Double(usage.responses)),
            ("audio_in", Double(usage.audioInput + usage.audioInputCached)), ("audio_out", Double(usage.audioOutput)),
            ("text_in", Double(usage.textInput + usage.textInputCached)), ("text_out", Double(usage.textOutput)),
        ]
        if usage.liveSeconds > 0 || usage.backendInput > 0 {
            figures += [("live_s", usage.liveSeconds), ("backend_in", Double(usage.backendInput)),
                        ("backend_out", Double(usage.backendOutput))]
        }
        summary.ending = .init(outcome: outcome.rawValue, durationSeconds: seconds, usage: figures,
                               costUSD: usage.cost(context.prices, backend: context.backendPrices),
                               transcript: transcriptCopy, recordingFile: recorder?.fileName)
        self.summary = nil
        context.onCallEnded?(summary)
        watch(.ended(summary))
    }
}
