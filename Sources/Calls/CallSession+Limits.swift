import Live
import Net
import Realtime

extension CallSession {
    /// Whether audio may still be queued toward both peers. A peer that stops reading makes our
    /// output to it grow; past `maxBufferedTo…Bytes` the call ends with a log line instead of
    /// holding ever more memory.
    func withinBufferLimits() -> Bool {
        let toTwilio = twilio.bufferedOutputBytes
        if toTwilio > context.maxBufferedToTwilioBytes {
            log.error("Twilio is not reading the call's audio; ending the call", [
                ("buffered_bytes", String(toTwilio)), ("limit_bytes", String(context.maxBufferedToTwilioBytes)),
                ("hint", "the path to Twilio is stalled; MAX_BUFFERED_AUDIO_SECONDS sets the limit"),
            ])
            end(.bufferOverflow, closeTwilio: false)
            // A close frame would wait behind the unread audio: drop the connection instead.
            twilio.connection.abort(NetError("Twilio stopped reading: \(toTwilio) bytes waiting"))
            return false
        }
        let toProvider = provider?.bufferedOutputBytes ?? 0
        if toProvider > context.maxBufferedToProviderBytes {
            log.error("the provider is not reading the caller's audio; ending the call", [
                ("buffered_bytes", String(toProvider)), ("limit_bytes", String(context.maxBufferedToProviderBytes)),
                ("provider", context.endpoint.provider),
                ("hint", "the path to the provider is stalled; MAX_BUFFERED_AUDIO_SECONDS sets the limit"),
            ])
            end(.bufferOverflow, closeTwilio: true, code: 1011, reason: "provider stalled")
            return false
        }
        return true
    }

    /// The agent's `max_call_seconds`: a minute before, the model is told to wrap up politely
    /// (a system note; GPT-Live: an instructions append); at the limit the call ends.
    func limitCallLength() {
        guard let seconds = context.maxCallSeconds else { return }
        let loop = twilio.connection.loop
        let noteAtMs = Int64(max(0, seconds - Self.wrapUpLeadSeconds)) * 1000
        lengthTimers.append(loop.schedule(afterMs: noteAtMs) { [weak self] in
            guard let self, self.isActive, let provider = self.provider else { return }
            self.log.info("the call nears its maximum length; asking the model to wrap up", [("max_call_seconds", String(seconds))])
            provider.send(self.live == nil ? RealtimeClientEvent.conversationItemCreateSystemText(Self.wrapUpNote)
                                           : LiveClientEvent.instructionsAppend(content: Self.wrapUpNote, delegationId: nil))
        })
        lengthTimers.append(loop.schedule(afterMs: Int64(seconds) * 1000) { [weak self] in
            guard let self, !self.isEnded else { return }
            self.log.info("the call reached its maximum length; ending it", [("max_call_seconds", String(seconds))])
            self.end(.maxDuration, closeTwilio: true, code: 1000, reason: "maximum call length")
        })
    }

    static let wrapUpLeadSeconds = 60
    static let wrapUpNote = "The call must end in about a minute. Wrap up politely now: summarise briefly, "
        + "say what happens next, and say goodbye."
}
