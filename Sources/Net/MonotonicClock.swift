import Foundation
import Glibc

/// Monotonic time in milliseconds, immune to wall-clock changes.
public enum MonotonicClock {
    /// Milliseconds since an arbitrary fixed point (boot).
    @inline(__always)
    public static func nowMs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    /// Microseconds since the same fixed point, for latency measurements.
    @inline(__always)
    public static func nowUs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000
    }
}

/// The time an event loop runs on: the monotonic clock in production, a hand-moved one in tests
/// (`ManualClock`), so that timeouts of seconds are tested without waiting for them. Everything
/// on a loop reads time through its loop (`EventLoop.now`, `EventLoop.currentTimeMs()`).
///
/// The monotonic case is read inline (`clock_gettime`, no closure or dynamic call): the loop
/// reads it a few times per iteration.
public struct LoopClock: Sendable {
    private let manual: ManualClock?

    private init(manual: ManualClock?) { self.manual = manual }

    /// Microseconds since a fixed point.
    @inline(__always)
    public func nowUs() -> Int64 {
        if let manual { return manual.nowUs }
        return MonotonicClock.nowUs()
    }

    /// Milliseconds since the same fixed point.
    @inline(__always)
    public func nowMs() -> Int64 { nowUs() / 1000 }

    /// The monotonic clock (`CLOCK_MONOTONIC`).
    public static let monotonic = LoopClock(manual: nil)

    /// A clock that moves only when `clock.advance(ms:)` says so.
    public static func manual(_ clock: ManualClock) -> LoopClock {
        LoopClock(manual: clock)
    }
}

/// A clock for tests: it starts at `startMs` and moves by `advance(ms:)` only.
public final class ManualClock: @unchecked Sendable {
    // Safe: the value is behind a lock.
    private let lock = NSLock()
    private var us: Int64

    public init(startMs: Int64 = 1_000_000) { us = startMs * 1000 }

    public var nowUs: Int64 { lock.withLock { us } }

    public func advance(ms: Int64) { lock.withLock { us += ms * 1000 } }
}
