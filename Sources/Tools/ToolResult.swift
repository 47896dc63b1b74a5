/// What a tool run gives back: the text the model reads, and whether the call should end.
public struct ToolResult: Equatable, Sendable {
    /// The `output` of the `function_call_output` item: what the model reads and may speak.
    public var output: String
    /// Set by `hang_up`: end the call once the assistant's last audio has played.
    public var endsCall: Bool
    /// How the run went, one short word for metrics: `ok`, or why not (`timed_out`,
    /// `rate_limited`, `bad_arguments`, `unknown_tool`, …).
    public var outcome: String

    /// A transfer to a person the model asked for (`transfer_call`).
    public struct Transfer: Equatable, Sendable {
        /// The agent's transfer target, by name.
        public var target: String
        /// What the person who answers hears first.
        public var summary: String

        public init(target: String, summary: String) {
            self.target = target
            self.summary = summary
        }
    }

    /// Set by `transfer_call`: after the model's last sentence has played, hand the call over.
    public var transfer: Transfer?

    /// Creates a result.
    public init(output: String, endsCall: Bool = false, outcome: String = "ok", transfer: Transfer? = nil) {
        self.output = output
        self.endsCall = endsCall
        self.outcome = outcome
        self.transfer = transfer
    }
}
