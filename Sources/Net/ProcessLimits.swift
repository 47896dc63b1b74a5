import Glibc

/// Process-wide resource limits a server cares about.
public enum ProcessLimits {
    /// Raises the soft limit on open descriptors (`ulimit -n`) to the hard limit, as servers
    /// should: Debian's default soft limit of 1024 holds only ~500 calls (each holds two sockets).
    /// Returns the soft limit in force afterwards.
    @discardableResult
    public static func raiseOpenFileLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return Int(clamping: limit.rlim_cur)  // RLIM_INFINITY (all ones) clamps to Int.max
    }
}
