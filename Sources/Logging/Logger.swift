/// A structured logger: a cheap value carrying context fields (`call=CA…`, `stream=MZ…`).
///
/// ```swift
/// Logger.configure(level: settings.logLevel, format: settings.logFormat, secrets: settings.secrets)
/// let log = Logger([("call", callSid)])
/// log.info("call started", [("from", caller)])
/// // level=info time=2026-11-29T11:45:47.123Z msg="call started" call=CA12 from=+15550100
/// ```
///
/// The message and fields are autoclosures: when the level is off nothing is evaluated or
/// formatted, so a debug line on the audio path costs one lock and one comparison. Enabled lines
/// are formatted and redacted on the calling thread, then queued for a background writer; the
/// caller never waits on stderr. Call `Logger.flush()` before exiting.
public struct Logger: Sendable {
    /// Context fields written on every line, after `msg` and before the call's own fields.
    public let fields: [(String, String)]

    /// A logger with the given context fields.
    public init(_ fields: [(String, String)] = []) {
        self.fields = fields
    }

    /// A copy with one more context field.
    public func with(_ key: String, _ value: String) -> Logger {
        Logger(fields + [(key, value)])
    }

    /// Whether lines at `level` are currently written; use it to guard costly preparation.
    public func isEnabled(_ level: LogLevel) -> Bool {
        LogPipeline.shared.isEnabled(level)
    }

    /// Logs at `level`: the closures are evaluated only when the level is enabled.
    public func log(_ level: LogLevel, _ message: @autoclosure () -> String,
                    _ fields: @autoclosure () -> [(String, String)] = []) {
        let pipeline = LogPipeline.shared
        guard pipeline.isEnabled(level) else { return }
        let configuration = pipeline.current
        let line = LogLineFormatter.line(level: level, message: message(), fields: self.fields + fields(),
                                         format: configuration.format, redactor: configuration.redactor)
        pipeline.enqueue(line)
    }

    /// Logs detail useful when diagnosing a problem.
    public func debug(_ message: @autoclosure () -> String, _ fields: @autoclosure () -> [(String, String)] = []) {
        log(.debug, message(), fields())
    }

    /// Logs a normal event in the service's life.
    public func info(_ message: @autoclosure () -> String, _ fields: @autoclosure () -> [(String, String)] = []) {
        log(.info, message(), fields())
    }

    /// Logs something that went wrong without stopping the call or the service.
    public func warning(_ message: @autoclosure () -> String, _ fields: @autoclosure () -> [(String, String)] = []) {
        log(.warning, message(), fields())
    }

    /// Logs a failure.
    public func error(_ message: @autoclosure () -> String, _ fields: @autoclosure () -> [(String, String)] = []) {
        log(.error, message(), fields())
    }

    // MARK: - Process-wide configuration

    /// Sets the level, the format and the secret values to redact, for every logger.
    ///
    /// Meant to be called once at start-up, before other threads log; calling it again is safe
    /// (the configuration sits behind a lock) and takes effect for lines logged afterwards.
    /// Secrets shorter than 6 characters are ignored.
    public static func configure(level: LogLevel, format: LogFormat, secrets: [String]) {
        LogPipeline.shared.configure(level: level, format: format, secrets: secrets)
    }

    /// `text` with the configured secrets and credential-shaped words masked, as a log line would
    /// show it: for other places text leaves the process (the console).
    public static func redacted(_ text: String) -> String {
        LogPipeline.shared.current.redactor.redact(text)
    }

    /// Blocks until every line logged so far has been written. Call it before the process exits.
    public static func flush() {
        LogPipeline.shared.flush()
    }

    /// Where lines go instead of stderr: called on the writer thread with each finished line
    /// (no line ending), in order. Set it to nil to write to stderr again. Tests use it to capture
    /// output; call `flush()` before reading what was captured.
    public static var sink: (@Sendable (String) -> Void)? {
        get { LogPipeline.shared.output }
        set { LogPipeline.shared.output = newValue }
    }
}
