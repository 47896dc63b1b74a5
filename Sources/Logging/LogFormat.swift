/// How log lines are written.
public enum LogFormat: String, Sendable {
    /// `level=info time=… msg="…" key=value`: easy to read and to grep.
    case logfmt
    /// One JSON object per line with the same keys: for log collectors.
    case json

    /// Parses a format name in any case.
    public init?(name: String) {
        self.init(rawValue: name.lowercased())
    }
}
