import Metrics
import Net

/// One call's hooks into `CallMetrics`: counts its media each way and measures the time from
/// the caller's end of speech to the first assistant audio that follows.
struct CallMeter {
    let metrics: CallMetrics
    private var speechEndedAtMs: Int64?

    init(metrics: CallMetrics) {
        self.metrics = metrics
    }

    /// A media event from Twilio carrying `bytes` of audio.
    func callerAudio(bytes: Int) {
        metrics.countFromCaller(bytes: bytes)
    }

    /// A media message of `bytes` of audio about to be sent to Twilio; closes a pending
    /// first-audio measurement.
    mutating func assistantAudio(bytes: Int, nowMs: Int64) {
        metrics.countToCaller(bytes: bytes)
        if let ended = speechEndedAtMs {
            speechEndedAtMs = nil
            metrics.recordFirstAudio(ms: nowMs - ended)
        }
    }

    /// The provider's VAD heard the caller stop (`input_audio_buffer.speech_stopped`).
    mutating func callerStoppedSpeaking(nowMs: Int64) {
        speechEndedAtMs = nowMs
    }

    /// The caller started again before any answer: that turn has no first audio to measure.
    mutating func callerStartedSpeaking() {
        speechEndedAtMs = nil
    }

    /// The provider session opened `ms` after it was asked for.
    func providerOpened(afterMs ms: Int64) {
        metrics.recordProviderHandshake(ms: ms)
    }
}
