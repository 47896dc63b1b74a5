import Metrics
import Net

/// One call's hooks into `CallMetrics`: counts its media each way and measures the time from
/// the caller's end of speech to the first assistant audio that follows.
///
/// The media counts reach the metrics (shared by every event loop, behind a lock) once per
/// `flushEvery` messages and when the call ends (`flush`), not once per frame: `/metrics` lags
/// a live call by at most half a second of frames.
struct CallMeter {
    let metrics: CallMetrics
    private var speechEndedAtMs: Int64?
    private var pending = (framesFromCaller: 0, bytesFromCaller: 0, framesToCaller: 0, bytesToCaller: 0)
    /// Media messages counted between two flushes (25 caller frames: half a second).
    static let flushEvery = 25

    init(metrics: CallMetrics) {
        self.metrics = metrics
    }

    /// A media event from Twilio carrying `bytes` of audio.
    mutating func callerAudio(bytes: Int) {
        pending.framesFromCaller += 1
        pending.bytesFromCaller += bytes
        if pending.framesFromCaller + pending.framesToCaller >= Self.flushEvery { flush() }
    }

    /// Hands the counts gathered since the last flush to the metrics.
    mutating func flush() {
        guard pending.framesFromCaller + pending.framesToCaller > 0 else { return }
        metrics.countMedia(fromCaller: (pending.framesFromCaller, pending.bytesFromCaller),
                           toCaller: (pending.framesToCaller, pending.bytesToCaller))
        pending = (0, 0, 0, 0)
    }

    /// A media message of `bytes` of audio about to be sent to Twilio; closes a pending
    /// first-audio measurement.
    mutating func assistantAudio(bytes: Int, nowMs: Int64) {
        pending.framesToCaller += 1
        pending.bytesToCaller += bytes
        if pending.framesFromCaller + pending.framesToCaller >= Self.flushEvery { flush() }
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
