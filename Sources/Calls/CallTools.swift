import Net
import Tools

/// A call's tool state: the function-call runner and the hang-up in progress. Held by the
/// `CallSession`; the logic is in `CallSession+Tools.swift`.
final class CallTools {
    /// Runs function calls; nil when the bridge offers no tools.
    var runner: CallToolRunner?
    /// When the audio sent to the caller will have played, by the clock.
    var playback = CallPlayback()
    /// Set once the hang-up waits for the last audio to play.
    var hangingUp = false
    /// Bounds the wait for a requested goodbye.
    var goodbyeTimer: LoopTimer?
    /// The runner's one retry of a refused `response.create`.
    var retryTimer: LoopTimer?

    /// How long a hang-up waits beyond the audio still queued, and at most in all.
    static let playbackGraceMs: Int64 = 1_500
    static let maxPlaybackWaitMs: Int64 = 30_000
    /// How long a hang-up waits for a requested goodbye to be spoken.
    static let goodbyeWaitMs: Int64 = 10_000
}

@available(*, unavailable)
extension CallTools: Sendable {}
