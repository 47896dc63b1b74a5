import Net

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
}
