import Foundation
import Config

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

    /// Configures the logger, runs `body`, flushes, restores stderr output, and returns the lines.
    static func capture(level: LogLevel = .debug, format: LogFormat = .logfmt, secrets: [String] = [],
                        _ body: () throws -> Void) rethrows -> [String] {
        let capture = LineCapture()
        Logger.configure(level: level, format: format, secrets: secrets)
        Logger.sink = { capture.append($0) }
        defer {
            Logger.flush()
            Logger.sink = nil
        }
        try body()
        Logger.flush()
        return capture.lines
    }
}
