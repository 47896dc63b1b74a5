import Foundation

/// The process-wide logging state: configuration, and a queue drained by one writer thread.
///
/// Callers never wait on I/O: a line is appended to an in-memory queue under a lock held for a
/// few instructions, and a background thread writes whole batches with one `write(2)` each.
/// When stderr is slower than the producers and the queue holds more than `capacity` bytes, new
/// lines are dropped and counted; once the queue drains, a `log lines dropped` warning reports
/// the count.
///
/// Thread safety: `@unchecked Sendable` because all mutable state is guarded by locks — the
/// configuration by `configurationLock`, the queue and its counters by `queueCondition` — and no
/// lock is held while writing.
final class LogPipeline: @unchecked Sendable {
    /// The one pipeline `Logger` writes to.
    static let shared = LogPipeline()

    /// Queued bytes beyond which new lines are dropped: 1 MiB.
    let capacity = 1 << 20

    /// What formatting needs, read together.
    struct Configuration: Sendable {
        var level: LogLevel = .info
        var format: LogFormat = .logfmt
        var redactor = LogRedactor(secrets: [])
    }

    // A lock rather than an atomic for the level: an uncontended lock costs tens of
    // nanoseconds, which a disabled debug call on the audio path can afford, and the standard
    // library's `Atomic` would need macOS 15.
    private let configurationLock = NSLock()
    private var configuration = Configuration()

    private let queueCondition = NSCondition()
    private var queue: [String] = []
    private var queuedBytes = 0
    private var dropped = 0
    /// Lines accepted into the queue, ever, and lines handed to the output, ever.
    private var enqueued = 0
    private var written = 0
    /// True while the writer is outputting a batch it took from the queue.
    private var writing = false
    private var writerStarted = false
    private var sink: (@Sendable (String) -> Void)?

    // MARK: - Configuration

    /// The configuration, copied under the lock.
    var current: Configuration {
        configurationLock.lock()
        defer { configurationLock.unlock() }
        return configuration
    }

    /// Whether lines at `level` are written.
    func isEnabled(_ level: LogLevel) -> Bool {
        configurationLock.lock()
        defer { configurationLock.unlock() }
        return level >= configuration.level
    }

    func configure(level: LogLevel, format: LogFormat, secrets: [String]) {
        let redactor = LogRedactor(secrets: secrets)
        configurationLock.lock()
        configuration = Configuration(level: level, format: format, redactor: redactor)
        configurationLock.unlock()
    }

    /// Where lines go: a closure receiving each line (without line ending) on the writer
    /// thread, or nil for stderr.
    var output: (@Sendable (String) -> Void)? {
        get {
            queueCondition.lock()
            defer { queueCondition.unlock() }
            return sink
        }
        set {
            queueCondition.lock()
            sink = newValue
            queueCondition.unlock()
        }
    }

    // MARK: - Queue

    /// Queues a finished line, or counts it as dropped when the queue is full.
    func enqueue(_ line: String) {
        let size = line.utf8.count + 1
        queueCondition.lock()
        defer { queueCondition.unlock() }
        guard queuedBytes + size <= capacity else {
            dropped += 1
            return
        }
        queue.append(line)
        queuedBytes += size
        enqueued += 1
        if !writerStarted {
            writerStarted = true
            let thread = Thread { [self] in runWriter() }
            thread.name = "log-writer"
            thread.start()
        }
        // Broadcast, not signal: `flush()` callers wait on the same condition as the writer.
        queueCondition.broadcast()
    }

    /// Waits until every line queued before the call, and any pending dropped-lines warning,
    /// has been written.
    func flush() {
        queueCondition.lock()
        defer { queueCondition.unlock() }
        let target = enqueued
        while written < target || dropped > 0 || writing {
            queueCondition.wait()
        }
    }

    // MARK: - Writer thread

    private func runWriter() {
        while true {
            queueCondition.lock()
            while queue.isEmpty && dropped == 0 {
                queueCondition.wait()
            }
            var batch = queue
            var isNotice = false
            queue.removeAll(keepingCapacity: true)
            queuedBytes = 0
            if batch.isEmpty {
                // The queue has drained: now report what was dropped while it was full.
                batch = [droppedNotice(count: dropped)]
                dropped = 0
                isNotice = true
            }
            writing = true
            let sink = self.sink
            queueCondition.unlock()

            if let sink {
                batch.forEach(sink)
            } else {
                Self.writeToStandardError(batch)
            }

            queueCondition.lock()
            writing = false
            if !isNotice { written += batch.count }
            queueCondition.broadcast()
            queueCondition.unlock()
        }
    }

    private func droppedNotice(count: Int) -> String {
        let configuration = current
        return LogLineFormatter.line(level: .warning, message: "log lines dropped", fields: [("count", String(count))],
                                     format: configuration.format, redactor: configuration.redactor)
    }

    /// One `write(2)` for the whole batch, continued after partial writes and interrupts.
    private static func writeToStandardError(_ batch: [String]) {
        var text = batch.joined(separator: "\n")
        text += "\n"
        text.withUTF8 { buffer in
            guard var pointer = buffer.baseAddress else { return }
            var remaining = buffer.count
            while remaining > 0 {
                let count = write(STDERR_FILENO, pointer, remaining)
                if count > 0 {
                    pointer += count
                    remaining -= count
                } else if count < 0 && errno == EINTR {
                    continue
                } else if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                    // stderr was made non-blocking by someone else: wait until it can take more.
                    var descriptor = pollfd(fd: STDERR_FILENO, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&descriptor, 1, 100)
                } else {
                    // stderr is closed or broken; there is nowhere left to report that.
                    return
                }
            }
        }
    }
}
