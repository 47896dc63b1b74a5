/// When the assistant audio sent toward Twilio will have finished playing, estimated from how
/// much arrived and when: Twilio plays μ-law at 8,000 bytes a second, in order, from arrival.
///
/// The marks (`AssistantPlayback`) say *whether* everything has played; this says how long that
/// should take, so the hang-up can bound its wait without cutting a long goodbye short.
struct CallPlayback {
    /// Monotonic time (ms) at which the audio sent so far ends, by the estimate.
    private(set) var playedOutAtMs: Int64 = 0

    /// Records `bytes` of μ-law sent at `nowMs`.
    mutating func sent(bytes: Int, nowMs: Int64) {
        playedOutAtMs = max(playedOutAtMs, nowMs) + Int64(bytes) / 8
    }

    /// Milliseconds of audio still queued at Twilio at `nowMs`, by the estimate.
    func remainingMs(nowMs: Int64) -> Int64 { max(0, playedOutAtMs - nowMs) }
}
