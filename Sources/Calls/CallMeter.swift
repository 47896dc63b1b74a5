import Net

/// One call's hooks into `CallMetrics`: counts its media each way and measures the time from
/// the caller's end of speech to the first assistant audio that follows.
struct CallMeter {
    let metrics: CallMetrics
    private var speechEndedAtMs: Int64?

    init(metrics: CallMetrics) {
        self.metrics = metrics
    }

    /// A media event from Twilio with this base64 payload.
    func callerAudio(base64 payload: String) {
        metrics.countFromCaller(bytes: Self.decodedLength(payload))
    }

    /// An audio delta about to be sent to Twilio; closes a pending first-audio measurement.
    mutating func assistantAudio(base64 payload: String) {
        metrics.countToCaller(bytes: Self.decodedLength(payload))
        if let ended = speechEndedAtMs {
            speechEndedAtMs = nil
            metrics.recordFirstAudio(ms: MonotonicClock.nowMs() - ended)
        }
    }

    /// The provider's VAD heard the caller stop (`input_audio_buffer.speech_stopped`).
    mutating func callerStoppedSpeaking() {
        speechEndedAtMs = MonotonicClock.nowMs()
    }

    /// The caller started again before any answer: that turn has no first audio to measure.
    mutating func callerStartedSpeaking() {
        speechEndedAtMs = nil
    }

    /// The provider session opened `ms` after it was asked for.
    func providerOpened(afterMs ms: Int64) {
        metrics.recordProviderHandshake(ms: ms)
    }

    /// Bytes a base64 string decodes to, without decoding it (RFC 4648 §4: 3 bytes per 4
    /// characters, less one per `=`).
    static func decodedLength(_ base64: String) -> Int {
        let utf8 = base64.utf8
        var padding = 0
        var index = utf8.endIndex
        while padding < 2, index > utf8.startIndex {
            index = utf8.index(before: index)
            guard utf8[index] == UInt8(ascii: "=") else { break }
            padding += 1
        }
        return max(0, utf8.count / 4 * 3 - padding)
    }
}
