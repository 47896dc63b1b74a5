import Foundation
import Config
import Net

/// A transfer the session asks the HTTP side to carry out (`CallContext.transferCall`): redirect
/// the live call `callSid` to `target`, whispering `summary`.
public struct TransferRequest: Sendable {
    public var callSid: String
    public var agent: String
    public var target: AgentConfig.TransferTarget
    public var summary: String
}

/// What calls that left for a person said, kept a while by CallSid: if nobody answers, the caller
/// comes back to the agent in a new stream, with the conversation restored. Replica-local (a
/// return landing on another replica starts afresh, told only that the transfer failed). Shared by
/// the event loops (`EVENT_LOOPS`): the return may land on another loop; a lock guards it.
public final class TransferredCalls: @unchecked Sendable {
    private var entries: [String: (history: ConversationHistory, expiresAtMs: Int64)] = [:]
    private let lock = NSLock()
    private let clock: LoopClock
    static let keepMs: Int64 = 15 * 60_000

    public init(clock: LoopClock = .monotonic) { self.clock = clock }

    func remember(callSid: String, history: ConversationHistory) {
        let now = clock.nowMs()
        lock.withLock {
            entries = entries.filter { $0.value.expiresAtMs > now }
            entries[callSid] = (history, now + Self.keepMs)
        }
    }

    func claim(callSid: String) -> ConversationHistory? {
        guard let entry = lock.withLock({ entries.removeValue(forKey: callSid) }), entry.expiresAtMs > clock.nowMs() else { return nil }
        return entry.history
    }
}
