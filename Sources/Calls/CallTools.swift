import Net
import Tools

/// A call's tool state: the function-call runner, the tools running, and the hang-up's timers.
/// Held by the `CallSession`; the logic is in `CallSession+Tools.swift`.
final class CallTools {
    /// Decides the function-call loop; nil when the bridge offers no tools.
    var runner: CallToolRunner?
    /// The tools offered on this call.
    var registry = ToolRegistry()
    /// Tools running, by `call_id`: their task (nil while a tool answers synchronously) and
    /// when they started, for the log.
    var running: [String: (task: ToolTask?, name: String, startedAtMs: Int64)] = [:]
    /// Bounds the wait for a requested goodbye.
    var goodbyeTimer: LoopTimer?
    /// The runner's one retry of a refused `response.create`.
    var retryTimer: LoopTimer?
    /// The transfer asked for, waiting for the model's sentence to play; set once Twilio took it.
    var pendingTransfer: ToolResult.Transfer?
    var transferred = false
    /// Hold audio (CallSession+Hold.swift): armed, playing, where in the loop, and since when.
    var holdTimer: LoopTimer?
    var holdPump: LoopTimer?
    var holdPlaying = false
    var holdIndex = 0
    var holdStartedMs: Int64 = 0
    /// When the last tool answered: hold stops if no audio follows.
    var lastToolAnsweredMs: Int64 = 0
    /// Hold plays at most this long, and stops this long after the last tool answered.
    static let maxHoldMs: Int64 = 30_000
    static let holdAfterAnswerMs: Int64 = 3_000
    /// GPT-Live: answers function calls whose backend response stays open (see `CallSession`).
    var liveBatchTimer: LoopTimer?
    static let liveBatchWaitMs: Int64 = 1_000

    /// How long a hang-up waits beyond the audio still queued, and at most in all.
    static let playbackGraceMs: Int64 = 1_500
    static let maxPlaybackWaitMs: Int64 = 30_000
    /// How long a hang-up waits for a requested goodbye to be spoken.
    static let goodbyeWaitMs: Int64 = 10_000
}

@available(*, unavailable)
extension CallTools: Sendable {}
