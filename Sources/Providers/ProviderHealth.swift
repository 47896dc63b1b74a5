/// Whether the model provider is known to be down, judged from the calls themselves: after
/// `threshold` handshakes in a row failed (refused, unreachable, timed out), and until a
/// handshake succeeds or `memoryMs` pass without another failure.
///
/// Forgetting after a while matters: a replica that is not ready gets no calls, so without it
/// nothing would ever try the provider again.
public struct ProviderHealth: Sendable {
    /// Failures in a row that mark the provider down.
    public var threshold = 3
    /// How long a down verdict lasts after the last failure, in milliseconds.
    public var memoryMs: Int64 = 60_000
    public private(set) var consecutiveFailures = 0
    private var lastFailureAtMs: Int64 = 0

    /// A health record with no failures.
    public init() {}

    /// A handshake succeeded.
    public mutating func recordSuccess() {
        consecutiveFailures = 0
    }

    /// A handshake failed at `nowMs`.
    public mutating func recordFailure(nowMs: Int64) {
        consecutiveFailures += 1
        lastFailureAtMs = nowMs
    }

    /// Whether new calls would most likely fail at the provider.
    public func isKnownDown(nowMs: Int64) -> Bool {
        consecutiveFailures >= threshold && nowMs - lastFailureAtMs < memoryMs
    }
}
