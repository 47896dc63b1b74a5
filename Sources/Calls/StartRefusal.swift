/// Why a stream's `start` is refused: the close code and reason for Twilio, the outcome for
/// metrics, and the cause for the log.
public struct StartRefusal: Equatable, Sendable {
    /// WebSocket close code (1008 policy, 1013 try again later, 1001 going away).
    public let code: UInt16
    /// The close reason, short.
    public let reason: String
    /// `voice_bridge_calls_total` outcome.
    public let outcome: String
    /// What the log line says.
    public let cause: String

    /// A refusal.
    public init(code: UInt16, reason: String, outcome: String, cause: String) {
        self.code = code
        self.reason = reason
        self.outcome = outcome
        self.cause = cause
    }
}
