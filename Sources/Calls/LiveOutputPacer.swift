/// Paces GPT-Live's audio toward Twilio so that at most `maxQueuedMs` wait there.
///
/// GPT-Live has no cancel and no truncate: the model stops talking on its own when the caller
/// speaks over it (GPT-LIVE.md §6). Audio already queued at Twilio would still play — a stale
/// tail. If the service sends at real-time pace, every delta leaves at once and Twilio holds only
/// network jitter; if it sends faster (bursts), the surplus waits here and leaves as Twilio plays,
/// so the tail the caller can hear after the model stops is at most `maxQueuedMs`.
///
/// Works on μ-law bytes; the session says how much Twilio holds (`AssistantPlayback`'s
/// estimate). Pure state: the session sends what it returns and calls `release` again after
/// `pumpIntervalMs` while `isEmpty` is false.
struct LiveOutputPacer {
    /// At most this much audio waits at Twilio.
    let maxQueuedMs: Int64
    /// How often the session releases held audio while some waits.
    static let pumpIntervalMs: Int64 = 20
    private var held: [UInt8] = []
    /// The most audio held here at once, in ms: whether the service ever sent faster than
    /// real time, for the log.
    private(set) var mostHeldMs = 0

    init(maxQueuedMs: Int) {
        self.maxQueuedMs = Int64(maxQueuedMs)
    }

    /// Whether no audio waits here.
    var isEmpty: Bool { held.isEmpty }

    /// Milliseconds of audio waiting here.
    var heldMs: Int { held.count / 8 }

    /// Whether a delta of `ms` may go straight to Twilio, untouched: nothing waits here and
    /// Twilio's queue stays within the bound. The usual case at real-time pace.
    func passesThrough(ms: Int64, queuedAtTwilioMs: Int64) -> Bool {
        held.isEmpty && queuedAtTwilioMs + ms <= maxQueuedMs
    }

    /// Holds `bytes` of μ-law (after what already waits).
    mutating func hold(_ bytes: some Collection<UInt8>) {
        held.append(contentsOf: bytes)
        mostHeldMs = max(mostHeldMs, held.count / 8)
    }

    /// The audio that may leave now, given how much Twilio holds: whole 20 ms frames up to the
    /// bound (or what remains, at the end of an utterance).
    mutating func release(queuedAtTwilioMs: Int64) -> [UInt8] {
        let roomBytes = Int(max(0, maxQueuedMs - queuedAtTwilioMs)) * 8
        let take = min(held.count, roomBytes / 160 * 160)
        guard take > 0 || (roomBytes >= held.count && !held.isEmpty) else { return [] }
        let count = take > 0 ? take : held.count
        let out = Array(held.prefix(count))
        held.removeFirst(count)
        return out
    }

    /// Drops what waits here (the call is ending).
    mutating func discard() { held.removeAll() }
}
