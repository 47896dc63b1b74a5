/// One line of `voice-bridge check`: a step that passed (✔), passed with a warning (!, with
/// what to do before it fails), failed (✘, with the cause and the fix) or did not apply (–),
/// with the time it took.
public struct PreflightLine: Equatable, Sendable {
    /// How the step ended.
    public enum Result: Equatable, Sendable {
        case passed, warning, failed, skipped
    }

    /// How the step ended.
    public var result: Result
    /// What was checked: `configuration`, `azure host/deployment`, `PUBLIC_URL`, `Tavily`…
    public var subject: String
    /// The step: `DNS`, `TLS`, `WebSocket upgrade`, `session.update`…
    public var step: String
    /// What was found (✔), or the cause (✘).
    public var detail: String
    /// What to do about a failure.
    public var fix: String?
    /// Milliseconds the step took; nil when timing means nothing (configuration, skipped steps).
    public var elapsedMs: Int64?

    /// Creates a line.
    public init(_ result: Result, _ subject: String, _ step: String, _ detail: String, fix: String? = nil, elapsedMs: Int64? = nil) {
        self.result = result
        self.subject = subject
        self.step = step
        self.detail = detail
        self.fix = fix
        self.elapsedMs = elapsedMs
    }

    /// `✔ subject: step — detail (12 ms)` or `✘ subject: step: cause (12 ms) — fix`.
    public var rendered: String {
        let mark = switch result { case .passed: "✔"; case .warning: "!"; case .failed: "✘"; case .skipped: "–" }
        let time = elapsedMs.map { " (\($0) ms)" } ?? ""
        let head = "\(mark) \(subject): \(step)"
        switch result {
        case .passed, .skipped:
            return head + (detail.isEmpty ? "" : " — \(detail)") + time
        case .warning, .failed:
            return head + ": \(detail)" + time + (fix.map { " — \($0)" } ?? "")
        }
    }
}
