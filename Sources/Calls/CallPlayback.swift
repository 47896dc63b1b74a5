/// When the assistant audio sent to Twilio will have finished playing, estimated from how much
/// was sent and when: Twilio plays μ-law at 8,000 bytes a second, in order, from when it arrives.
///
/// The hang-up uses it to bound its wait for the echo of its mark (PROTOCOLS.md §1).
struct CallPlayback {
    /// Monotonic time (ms) at which the audio sent so far ends, by the estimate.
    private(set) var playedOutAtMs: Int64 = 0

    /// Records `base64Count` characters of base64 μ-law sent at `nowMs`.
    mutating func sent(base64Count: Int, padding: Int, nowMs: Int64) {
        let bytes = base64Count / 4 * 3 - padding
        playedOutAtMs = max(playedOutAtMs, nowMs) + Int64(bytes) / 8
    }

    /// Records a base64 payload sent at `nowMs`.
    mutating func sent(base64 payload: String, nowMs: Int64) {
        let utf8 = payload.utf8
        var padding = 0
        if utf8.last == UInt8(ascii: "=") { padding = utf8.dropLast().last == UInt8(ascii: "=") ? 2 : 1 }
        sent(base64Count: utf8.count, padding: padding, nowMs: nowMs)
    }

    /// Milliseconds of audio still queued at Twilio at `nowMs`, by the estimate.
    func remainingMs(nowMs: Int64) -> Int64 { max(0, playedOutAtMs - nowMs) }
}
