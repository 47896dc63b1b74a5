import Glibc

/// What `/metrics` tells about the process itself, under the names Prometheus client libraries
/// use (`process_open_fds`, `process_resident_memory_bytes`, …). Read from `/proc/self` at
/// scrape time: a few small procfs reads, which the kernel answers from memory.
public struct ProcessStats {
    var openFDs: Int?
    var maxFDs: Int?
    var residentBytes: Int?
    var virtualBytes: Int?
    var cpuSeconds: Double

    /// The process's numbers now.
    static func current() -> ProcessStats {
        var limit = rlimit()
        let maxFDs = getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 ? Int(clamping: limit.rlim_cur) : nil
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1_000_000
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        // statm: size resident shared text lib data dt, in pages (proc(5)).
        let statm = readSmallFile("/proc/self/statm")?.split(separator: " ").compactMap { Int($0) } ?? []
        return ProcessStats(openFDs: countOpenFDs(), maxFDs: maxFDs,
                            residentBytes: statm.count > 1 ? statm[1] * page : nil,
                            virtualBytes: statm.first.map { $0 * page }, cpuSeconds: cpu)
    }

    /// Entries of `/proc/self/fd`, less the one `opendir` itself holds.
    static func countOpenFDs() -> Int? {
        guard let dir = opendir("/proc/self/fd") else { return nil }
        defer { closedir(dir) }
        var count = 0
        while let entry = readdir(dir) {
            let isDot = withUnsafeBytes(of: entry.pointee.d_name) { $0.first == UInt8(ascii: ".") }
            if !isDot { count += 1 }
        }
        return count - 1
    }

    /// The contents of a small text file (procfs, sysfs), or nil.
    public static func readSmallFile(_ path: String, limit: Int = 4096) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: limit)
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, limit) }
        guard n > 0 else { return nil }
        var bytes = buffer[..<n]
        while let first = bytes.first, first == 0x20 || first == 0x0A { bytes = bytes.dropFirst() }
        while let last = bytes.last, last == 0x20 || last == 0x0A { bytes = bytes.dropLast() }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Writes the `process_*` families.
    func write(into text: inout PrometheusText, startTimeSeconds: Double) {
        if let openFDs { text.single("process_open_fds", .gauge, help: "Number of open file descriptors.", Double(openFDs)) }
        if let maxFDs { text.single("process_max_fds", .gauge, help: "Maximum number of open file descriptors.", Double(maxFDs)) }
        if let residentBytes {
            text.single("process_resident_memory_bytes", .gauge, help: "Resident memory size in bytes.", Double(residentBytes))
        }
        if let virtualBytes {
            text.single("process_virtual_memory_bytes", .gauge, help: "Virtual memory size in bytes.", Double(virtualBytes))
        }
        text.single("process_cpu_seconds_total", .counter, help: "Total user and system CPU time spent in seconds.", cpuSeconds)
        text.single("process_start_time_seconds", .gauge, help: "Start time of the process since unix epoch in seconds.",
                    startTimeSeconds)
    }
}
