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
