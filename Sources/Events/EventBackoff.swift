/// When to try a failed delivery again: exponential backoff with full jitter (AWS Architecture
/// Blog, "Exponential Backoff And Jitter"): a uniform delay in `0...min(cap, base·2^attempt)`,
/// so that receivers coming back up are not hit by every bridge at the same instant.
public struct EventBackoff: Sendable, Equatable {
    /// The bound of the first retry, in milliseconds.
    public var baseMs: Int64
    /// The largest bound, in milliseconds.
    public var capMs: Int64
    /// Past this age an event is dropped, in seconds (24 hours by default).
    public var maxAgeSeconds: Int64

    /// Creates a policy; the defaults are 1 s doubling to 10 minutes, for up to 24 hours.
    public init(baseMs: Int64 = 1_000, capMs: Int64 = 600_000, maxAgeSeconds: Int64 = 86_400) {
        self.baseMs = baseMs
        self.capMs = capMs
        self.maxAgeSeconds = maxAgeSeconds
    }

    /// The upper bound of the delay before retry number `attempt` (0 = the first retry).
    public func boundMs(attempt: Int) -> Int64 {
        // Doubling past 2^30 overflows nothing but means nothing: the cap was hit long before.
        let shift = Int64(min(max(attempt, 0), 30))
        return min(capMs, baseMs << shift)
    }

    /// A delay for retry number `attempt`: uniform in `0...boundMs(attempt:)`.
    public func delayMs<R: RandomNumberGenerator>(attempt: Int, using random: inout R) -> Int64 {
        Int64.random(in: 0...boundMs(attempt: attempt), using: &random)
    }
}
