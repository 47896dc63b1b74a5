/// Something a call did that the console shows (`CallWatch`). Posted by `CallSession` where the
/// call's log lines are written — never per audio frame.
public enum CallWatchEvent: Sendable {
    /// The `start` was admitted: who, which agent, which provider.
    case started(CallSummary, provider: String)
    /// The provider session is configured and audio flows both ways.
    case active
    /// A finished utterance: `caller` or `assistant`; `phase` is `commentary` for a preamble.
    case utterance(role: String, text: String, phase: String?)
    /// The caller spoke over the assistant; `heardMs` is how much of the answer they heard.
    case bargeIn(heardMs: Int?)
    /// The model called a tool.
    case toolCalled(callId: String, name: String, arguments: String)
    /// A tool answered, after `ms`.
    case toolAnswered(callId: String, name: String, outcome: String, output: String, ms: Int64)
    /// The assistant hangs up once its goodbye has played.
    case hangingUp
    /// A transfer to a person: asked (`refusal` nil and `done` false), done, or refused.
    case transfer(target: String, done: Bool, refusal: String?)
    /// The call ended (`summary.ending` is set).
    case ended(CallSummary)
}
