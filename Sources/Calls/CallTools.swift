import Net
import Tools

/// A call's tool state: the function-call runner and the hang-up in progress. Held by the
/// `CallSession`; the logic is in `CallSession+Tools.swift`.
final class CallTools {
    /// Runs function calls; nil when the bridge offers no tools.
    var runner: CallToolRunner?
    /// When the audio sent to the caller will have played.
    var playback = CallPlayback()
    /// The mark sent after the last audio, whose echo ends the call.
    var hangUpMark: String?
    /// Bounds the wait for the goodbye and for the mark's echo.
    var hangUpTimer: LoopTimer?
    /// When the hang-up began waiting for playback (monotonic ms).
    var hangUpStartedAtMs: Int64 = 0

    /// The mark name the hang-up sends; Twilio echoes it once everything before it has played.
    static let hangUpMarkName = "vb-hang-up"

    /// How long a hang-up waits for the mark beyond the audio still queued, and at most.
    static let playbackGraceMs: Int64 = 1_500
    static let maxPlaybackWaitMs: Int64 = 30_000
    /// How long a hang-up waits for a requested goodbye to be spoken.
    static let goodbyeWaitMs: Int64 = 10_000
}

@available(*, unavailable)
extension CallTools: Sendable {}
