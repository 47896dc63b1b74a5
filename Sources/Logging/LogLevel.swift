/// How important a log line is; lines below the configured level are neither formatted nor written.
public enum LogLevel: Int, Comparable, Sendable, CaseIterable {
    /// Detail for diagnosing a problem: per-event traces, payload sizes.
    case debug
    /// The normal story of the service: start-up, calls starting and ending.
    case info
    /// Something went wrong but the call or service carries on.
    case warning
    /// Something failed: a call ended badly or a dependency is unusable.
    case error

    /// Orders levels by importance, `debug` lowest.
    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool {
        lhs.rawValue < rhs.rawValue
    }

    /// The name written in log lines: `debug`, `info`, `warning`, `error`.
    public var name: String {
        switch self {
        case .debug: return "debug"
        case .info: return "info"
        case .warning: return "warning"
        case .error: return "error"
        }
    }

    /// Parses a level name in any case; `warn` is accepted for `warning`.
    public init?(name: String) {
        switch name.lowercased() {
        case "debug": self = .debug
        case "info": self = .info
        case "warning", "warn": self = .warning
        case "error": self = .error
        default: return nil
        }
    }
}
