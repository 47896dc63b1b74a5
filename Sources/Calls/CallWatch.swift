import JSON
import Logging
import Net

/// The console's bus: what the live calls (and the recently ended ones) are doing, kept bounded
/// in memory on the serve loop, and each change handed to the watchers as one JSON message.
///
/// Calls post to it (`post`) on the events they log anyway — an utterance, a tool call, a
/// barge-in — never per audio frame; a post serializes its message once, whatever the number of
/// watchers. Watchers (`subscribe`) get a snapshot, then every message; how much a slow watcher
/// may hold back is theirs to bound (the console's stream drops one that cannot keep up).
///
/// Confined to the serve loop's thread; calls on other loops (`EVENT_LOOPS`) post through a
/// forwarding bus (`forwarding(on:)`) that hands each event to it there.
public final class CallWatch {
    /// Bounds on what is kept.
    public struct Limits {
        /// Timeline items kept per call; past it the oldest go (the transcript file stays whole).
        public var maxItemsPerCall = 300
        /// Ended calls kept listed, at most.
        public var maxEndedCalls = 50
        /// How long an ended call stays listed, in milliseconds.
        public var endedRetentionMs: Int64 = 15 * 60_000
        /// Characters kept of an utterance, a tool's arguments or its result.
        public var maxTextCharacters = 2_000
        /// Creates the defaults.
        public init() {}
    }

    /// Whether utterances and tool arguments and results are shown (transcripts on, or
    /// development mode); otherwise only their role, name and length.
    public let includesText: Bool
    public let limits: Limits
    private let clock: LoopClock
    /// Calls in the order they started.
    private var order: [String] = []
    private var calls: [String: WatchedCall] = [:]
    private var watchers: [ObjectIdentifier: (String) -> Void] = [:]

    /// A bus; `clock` is the serve loop's.
    public init(includesText: Bool, limits: Limits = Limits(), clock: LoopClock = .monotonic) {
        self.includesText = includesText
        self.limits = limits
        self.clock = clock
    }

    /// Watchers subscribed.
    public var watcherCount: Int { watchers.count }
    /// Calls listed (live and recently ended).
    public var listedCalls: Int { order.count }

    /// Starts sending every message to `deliver`, under `id`; returns the snapshot message
    /// (`{"type":"snapshot","calls":[…]}`) to send first.
    public func subscribe(_ id: ObjectIdentifier, deliver: @escaping (String) -> Void) -> String {
        prune()
        watchers[id] = deliver
        let now = clock.nowMs()
        let list: [JSON] = order.compactMap { sid in
            guard let call = calls[sid] else { return nil }
            var object = call.header(nowMs: now)
            object.append("items", .array(call.items.map(JSON.object)))
            return .object(object)
        }
        return JSON.object(["type": "snapshot", "include_text": .bool(includesText), "calls": .array(list)]).serialized()
    }

    /// Stops sending to `id`.
    public func unsubscribe(_ id: ObjectIdentifier) {
        watchers[id] = nil
    }

    /// The bus this one forwards to, and that bus's loop (`forwarding(on:)`).
    private var home: (bus: HandedOver<CallWatch>, loop: LoopHandle)?

    /// A bus for calls on another loop: each post is handed to this bus on its loop (`handle`).
    public func forwarding(on handle: LoopHandle) -> CallWatch {
        let forwarder = CallWatch(includesText: includesText, limits: limits, clock: clock)
        // Only ever used on `handle`'s loop, where this bus lives.
        forwarder.home = (HandedOver(self), handle)
        return forwarder
    }

    /// Records `event` of the call `callSid` and tells the watchers.
    public func post(_ callSid: String, _ event: CallWatchEvent) {
        guard !callSid.isEmpty else { return }
        if let home {
            let bus = home.bus
            home.loop.execute { bus.value.post(callSid, event) }
            return
        }
        let now = clock.nowMs()
        if case .started(let summary, let provider) = event {
            prune()
            if calls[callSid] == nil { order.append(callSid) }
            calls[callSid] = WatchedCall(summary: summary, provider: provider, startedAtMs: now)
            publishHeader(callSid, now: now)
            return
        }
        guard var call = calls[callSid] else { return }
        let stateBefore = call.state
        let at = JSON.number(Double(now - call.startedAtMs))
        var item: JSONObject?
        switch event {
        case .started:
            return
        case .active:
            call.state = "active"
        case .utterance(let role, let text, let phase):
            var object: JSONObject = ["kind": "utterance", "role": .string(role), "t_ms": at,
                                      "chars": .number(Double(text.count))]
            object.append("text", includesText ? .string(clip(text)) : .null)
            if let phase { object.append("phase", .string(phase)) }
            item = object
        case .bargeIn(let heardMs):
            item = ["kind": "barge_in", "t_ms": at, "heard_ms": heardMs.map { .number(Double($0)) } ?? .null]
        case .toolCalled(let callId, let name, let arguments):
            item = ["kind": "tool_call", "t_ms": at, "call_id": .string(callId), "name": .string(name),
                    "arguments": includesText ? .string(clip(Logger.redacted(arguments))) : .null]
        case .toolAnswered(let callId, let name, let outcome, let output, let ms):
            item = ["kind": "tool_result", "t_ms": at, "call_id": .string(callId), "name": .string(name),
                    "outcome": .string(outcome), "ms": .number(Double(ms)),
                    "result": includesText ? .string(clip(Logger.redacted(output))) : .null]
        case .hangingUp:
            call.state = "hanging_up"
            item = ["kind": "hang_up", "t_ms": at]
        case .transfer(let target, let done, let refusal):
            call.state = done ? "transferred" : (refusal == nil ? "transferring" : "active")
            item = ["kind": "transfer", "t_ms": at, "target": .string(target),
                    "status": .string(done ? "done" : (refusal == nil ? "asked" : "refused")),
                    "error": refusal.map { .string(clip(Logger.redacted($0))) } ?? .null]
        case .ended(let summary):
            call.state = "ended"
            call.ending = summary.ending
            call.endedAtMs = now
        }
        if let item {
            if call.items.count >= limits.maxItemsPerCall { call.items.removeFirst(call.items.count - limits.maxItemsPerCall + 1) }
            call.items.append(item)
        }
        calls[callSid] = call
        if let item {
            publish(JSON.object(["type": "item", "call_sid": .string(callSid), "item": .object(item)]).serialized())
        }
        if item == nil || call.state != stateBefore { publishHeader(callSid, now: now) }
    }

    private func publishHeader(_ callSid: String, now: Int64) {
        guard !watchers.isEmpty, let call = calls[callSid] else { return }
        publish(JSON.object(["type": "call", "call": .object(call.header(nowMs: now))]).serialized())
    }

    private func publish(_ message: String) {
        for deliver in watchers.values { deliver(message) }
    }

    private func clip(_ text: String) -> String {
        text.count <= limits.maxTextCharacters ? text : String(text.prefix(limits.maxTextCharacters)) + "…"
    }

    /// Forgets ended calls past their retention, and the oldest ended ones past `maxEndedCalls`.
    private func prune() {
        let now = clock.nowMs()
        var ended = order.filter { calls[$0]?.endedAtMs != nil }
        var gone: Set<String> = []
        for sid in ended where now - (calls[sid]?.endedAtMs ?? now) >= limits.endedRetentionMs { gone.insert(sid) }
        ended.removeAll { gone.contains($0) }
        if ended.count >= limits.maxEndedCalls { gone.formUnion(ended.prefix(ended.count - limits.maxEndedCalls + 1)) }
        guard !gone.isEmpty else { return }
        order.removeAll { gone.contains($0) }
        for sid in gone {
            calls[sid] = nil
            publish(JSON.object(["type": "removed", "call_sid": .string(sid)]).serialized())
        }
    }
}

@available(*, unavailable)
extension CallWatch: Sendable {}

/// One call as the console lists it.
struct WatchedCall {
    var summary: CallSummary
    var provider: String
    var startedAtMs: Int64
    var state = "connecting"
    var items: [JSONObject] = []
    var ending: CallSummary.Ending?
    var endedAtMs: Int64?

    /// The call's row: who, which agent and provider, its state and age; once ended, its
    /// outcome, duration, usage and cost.
    func header(nowMs: Int64) -> JSONObject {
        var object: JSONObject = [
            "call_sid": .string(summary.callSid), "from": .string(summary.from), "to": .string(summary.to),
            "agent": summary.agent.map(JSON.string) ?? .null, "provider": .string(provider),
            "direction": .string(summary.direction.rawValue), "state": .string(state),
            "elapsed_ms": .number(Double((endedAtMs ?? nowMs) - startedAtMs)),
        ]
        if let endedAtMs { object.append("ended_ago_ms", .number(Double(nowMs - endedAtMs))) }
        if let ending {
            object.append("outcome", .string(ending.outcome))
            object.append("duration_s", .number((ending.durationSeconds * 10).rounded() / 10))
            object.append("usage", .object(JSONObject(ending.usage.map { ($0.name, .number($0.value)) })))
            object.append("cost_usd_est", ending.costUSD.map { .number(($0 * 10_000).rounded() / 10_000) } ?? .null)
        }
        return object
    }
}
