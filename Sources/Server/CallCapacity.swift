import Metrics
import Calls
import CLinux
import Glibc

/// How many calls one bridge process takes at once when `MAX_CALLS` is not set: the smallest of
/// what its file descriptors, its memory and its one event-loop thread allow.
public enum CallCapacity {
    /// Calls one event-loop thread is trusted with by default. A call is ~50 small JSON messages
    /// a second each way, passed through without transcoding; this keeps the loop well clear of
    /// saturation on a slow core. Raise MAX_CALLS after measuring your own machine.
    public static let perLoopThread = 200

    /// Descriptors a call holds: the Twilio socket, the provider socket, and its webhook request.
    static let fdsPerCall = 3
    /// Descriptors kept for the listener, the loop, logs and scrapes.
    static let fdReserve = 64

    /// The default and a short reason naming the limit that decided it.
    public static func defaultMaxCalls(fileLimit: Int, memoryBytes: Int?, perCallBytes: Int, loops: Int = 1) -> (calls: Int, reason: String) {
        var candidates = [(perLoopThread * max(1, loops), loops > 1 ? "\(loops) event-loop threads" : "one event-loop thread")]
        candidates.append((max(1, (fileLimit - fdReserve) / fdsPerCall), "file descriptor limit \(fileLimit)"))
        if let memoryBytes {
            // Half the memory for calls at their worst (both audio buffers full); the rest is headroom.
            candidates.append((max(1, memoryBytes / 2 / perCallBytes), "memory \(memoryBytes / (1 << 20)) MiB"))
        }
        let chosen = candidates.min(by: { $0.0 < $1.0 })!
        return (chosen.0, chosen.1)
    }

    /// The budget of plain HTTP connections (webhooks, probes, streams before their upgrade) that
    /// fits `fileLimit` beside the calls. Each call holds two descriptors (Twilio, provider),
    /// counted only for the calls the descriptors allow (a `MAX_CALLS` above them cannot be
    /// reached anyway); at most 1,000, and at least 128 where the descriptors allow it: every
    /// stream is an HTTP connection until its upgrade, and a burst of calls must not find the
    /// budget full.
    public static func httpConnections(fileLimit: Int, maxCalls: Int, awaitingStart: Int) -> Int {
        let callsThatFit = min(maxCalls, max(0, fileLimit - 32) / fdsPerCall)
        let floor = min(128, max(16, (fileLimit - 32) / 4))
        return max(floor, min(1_000, fileLimit - 32 - 2 * callsThatFit - awaitingStart))
    }

    /// Raises the soft limit on open files to the hard limit (as Go's runtime does at start), and
    /// returns the limit in force.
    @discardableResult
    public static func raiseFileLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = min(limit.rlim_max, 1 << 20)
            if setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return Int(clamping: limit.rlim_cur)
    }

    /// The CPUs this process may use: those its affinity mask allows, capped by its cgroup's CPU
    /// quota (`cpu.max`, or v1's `cpu.cfs_quota_us` / `cpu.cfs_period_us`), rounded up; at least 1.
    public static func availableCPUs() -> Int {
        var cpus = Int(vb_allowed_cpus())
        if cpus <= 0 { cpus = max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
        if let quota = cgroupCPUQuota() { cpus = min(cpus, quota) }
        return max(1, cpus)
    }

    /// The cgroup's CPU quota in whole CPUs (rounded up), or nil when there is none.
    static func cgroupCPUQuota() -> Int? {
        if let text = ProcessStats.readSmallFile("/sys/fs/cgroup/cpu.max") {
            return quota(cpuMax: text)
        }
        if let quota = ProcessStats.readSmallFile("/sys/fs/cgroup/cpu/cpu.cfs_quota_us").flatMap({ Int($0) }),
           let period = ProcessStats.readSmallFile("/sys/fs/cgroup/cpu/cpu.cfs_period_us").flatMap({ Int($0) }),
           quota > 0, period > 0 {
            return (quota + period - 1) / period
        }
        return nil
    }

    /// Whole CPUs from cgroup v2's `cpu.max` ("QUOTA PERIOD", or "max PERIOD" for none).
    static func quota(cpuMax text: String) -> Int? {
        let fields = text.split(separator: " ")
        guard fields.count == 2, let quota = Int(fields[0]), let period = Int(fields[1]), quota > 0, period > 0 else { return nil }
        return (quota + period - 1) / period
    }

    /// The memory this process may use: the cgroup's limit in a container, else the machine's.
    public static func memoryLimitBytes() -> Int? {
        // cgroup v2, then v1; "max" or a huge number means no limit.
        for path in ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"] {
            if let text = ProcessStats.readSmallFile(path), let bytes = Int(text), bytes < 1 << 50 { return bytes }
        }
        guard let meminfo = ProcessStats.readSmallFile("/proc/meminfo", limit: 8192),
              let line = meminfo.split(separator: "\n").first(where: { $0.hasPrefix("MemTotal:") }),
              let kib = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return nil }
        return kib * 1024
    }
}
