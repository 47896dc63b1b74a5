import Glibc

/// What `/proc` says about a process at one instant: CPU time, resident memory, descriptors.
struct ProcessSample {
    /// `utime + stime` from `/proc/PID/stat`, in clock ticks (`sysconf(_SC_CLK_TCK)` a second).
    var cpuTicks: Int
    /// The two parts of `cpuTicks`: in the process's own code (utime) and in the kernel (stime).
    var userTicks: Int
    var systemTicks: Int
    /// Times its threads gave up the CPU to wait (`voluntary_ctxt_switches` of
    /// `/proc/PID/task/*/status`): for an event loop, one per sleep in `epoll_wait`.
    var sleeps: Int
    /// Time on CPU of all its threads from `/proc/PID/task/*/schedstat`, in nanoseconds
    /// (the same quantity as `cpuTicks`, at nanosecond resolution).
    var cpuNs: Int64
    /// Resident set size in bytes (`/proc/PID/statm`, second field, times the page size).
    var rssBytes: Int
    /// Open file descriptors (entries of `/proc/PID/fd`).
    var fds: Int
    /// Threads (`/proc/PID/stat` field 20).
    var threads: Int
    /// Read-type and write-type system calls so far (`/proc/PID/io` syscr + syscw; 0 if unreadable).
    var syscalls: Int
    /// `MonotonicClock.nowUs()` when sampled.
    var atUs: Int64

    /// Clock ticks per second for `cpuTicks`.
    static let ticksPerSecond = Int(sysconf(Int32(_SC_CLK_TCK)))

    /// Samples `pid` now, or nil when it is gone or unreadable.
    static func take(pid: Int32, atUs: Int64) -> ProcessSample? {
        guard let stat = readText("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return nil }
        // Fields after the command name, from field 3 ("state") on: utime is field 14, stime 15, num_threads 20.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 17, let utime = Int(fields[11]), let stime = Int(fields[12]),
              let threads = Int(fields[17]) else { return nil }
        guard let statm = readText("/proc/\(pid)/statm") else { return nil }
        let pages = statm.split(separator: " ")
        guard pages.count > 1, let resident = Int(pages[1]) else { return nil }
        var ns: Int64 = 0
        var sleeps = 0
        for task in listDirectory("/proc/\(pid)/task") {
            if let text = readText("/proc/\(pid)/task/\(task)/schedstat"),
               let first = text.split(separator: " ").first, let value = Int64(first) {
                ns += value
            }
            for line in (readText("/proc/\(pid)/task/\(task)/status") ?? "").split(separator: "\n")
            where line.hasPrefix("voluntary_ctxt_switches:") {
                sleeps += Int(line.split(separator: "\t").last ?? "") ?? 0
            }
        }
        var syscalls = 0
        for line in (readText("/proc/\(pid)/io") ?? "").split(separator: "\n")
        where line.hasPrefix("syscr:") || line.hasPrefix("syscw:") {
            syscalls += Int(line.split(separator: " ").last ?? "") ?? 0
        }
        return ProcessSample(cpuTicks: utime + stime, userTicks: utime, systemTicks: stime, sleeps: sleeps, cpuNs: ns, rssBytes: resident * Int(sysconf(Int32(_SC_PAGESIZE))),
                             fds: listDirectory("/proc/\(pid)/fd").count, threads: threads, syscalls: syscalls, atUs: atUs)
    }

    /// CPU use between `earlier` and `self` in percent of one core, from the tick counters.
    func cpuPercent(since earlier: ProcessSample) -> Double {
        let wall = Double(atUs - earlier.atUs) / 1e6
        guard wall > 0 else { return 0 }
        return Double(cpuTicks - earlier.cpuTicks) / Double(Self.ticksPerSecond) / wall * 100
    }

    /// The same from the nanosecond counters.
    func cpuPercentPrecise(since earlier: ProcessSample) -> Double {
        let wall = Double(atUs - earlier.atUs) * 1000
        guard wall > 0 else { return 0 }
        return Double(cpuNs - earlier.cpuNs) / wall * 100
    }

    private static func readText(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { Glibc.close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func listDirectory(_ path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
