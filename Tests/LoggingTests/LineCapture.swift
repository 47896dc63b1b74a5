import Foundation
import Logging

/// Collects the lines `Logger` writes, through `Logger.sink`.
final class LineCapture: @unchecked Sendable {
    // Safe: `lines` is only touched under `lock`, from the log writer thread and the test.
    private let lock = NSLock()
    private var captured: [String] = []

    /// The lines captured so far.
    var lines: [String] {
        lock.lock()
        defer { lock.unlock() }
        return captured
    }

    func append(_ line: String) {
        lock.lock()
        captured.append(line)
        lock.unlock()
    }

    /// Configures the logger, runs `body` with a logger to log through, flushes, restores stderr
    /// output, and returns the lines that logger wrote.
    ///
    /// The sink is process-wide and other suites log in parallel, so the logger handed to `body`
    /// carries a unique context field; only lines with it are kept, and the field is taken out
    /// again, so a test sees exactly what it logged, as it would be written.
    static func capture(level: LogLevel = .debug, format: LogFormat = .logfmt, secrets: [String] = [],
                        _ body: (Logger) throws -> Void) rethrows -> [String] {
        let capture = LineCapture()
        let tag = "capture\(UInt64.random(in: 1...UInt64.max))"
        Logger.configure(level: level, format: format, secrets: secrets)
        Logger.sink = { capture.append($0) }
        defer {
            Logger.flush()
            Logger.sink = nil
        }
        try body(Logger([("capture_tag", tag)]))
        Logger.flush()
        let logfmt = " capture_tag=\(tag)", json = #","capture_tag":"\#(tag)""#
        return capture.lines.filter { $0.contains(tag) }.map {
            $0.replacingOccurrences(of: logfmt, with: "").replacingOccurrences(of: json, with: "")
        }
    }
}
