import Logging
import Tools

/// The function-call loop of one call, as a state machine: provider events in, actions out.
///
/// It speaks no dialect. The session turns the provider's events into `Event`s (for Realtime,
/// PROTOCOLS.md §2: a `function_call` item's name arrives with `response.output_item.added`, its
/// arguments with `response.function_call_arguments.done`, joined on `item_id`, or both with
/// `response.output_item.done`) and carries out the `Action`s: it runs the tools, sends each
/// output and the `response.create` in its dialect, schedules the retry, hangs up.
///
/// Each call starts at once. When the response that made it is done and every call of it is
/// answered, one output per call goes back, then a single response request lets the model speak
/// — unless another response is running, in which case it waits for that one to finish.
///
/// That request carries an `event_id`, so an `error` refusing it can be told apart from others.
/// Refused (any error but "already has an active response", whose response will end as usual),
/// nothing is running and the outputs sit unspoken in the conversation: the runner retries once
/// after `retryDelayMs`, unless a response starts first; a second refusal is logged and left for
/// the next tool output or the caller's next turn.
///
/// It owns no socket and no clock; tests drive it with events and read the actions. A class, so
/// that the audio path (every delta is `assistantAudio`) never copies its state. Confined to
/// the call's loop thread.
final class CallToolRunner {
    /// What the provider said, in the runner's terms.
    enum Event: Equatable {
        /// A response started (whichever: it sees the outputs already in the conversation).
        case responseStarted
        /// The running response carries assistant audio (a goodbye before `hang_up`).
        case assistantAudio
        /// A `function_call` item was added: its name, before its arguments.
        case functionCallNamed(itemId: String, name: String)
        /// A function call's arguments are complete; the name comes from `functionCallNamed`.
        case functionCallArguments(itemId: String?, callId: String, arguments: String)
        /// A whole `function_call` item (`callId` or `name` nil when the provider left them out).
        case functionCall(itemId: String?, callId: String?, name: String?, arguments: String)
        /// The running response is done.
        case responseDone
        /// The provider reported an error; `eventId` names the client event it refuses, if any.
        case error(code: String?, message: String, eventId: String?)
    }

    /// What the session must do.
    enum Action: Equatable {
        /// Run the tool `name` (the session keeps its task and reports with `finished`).
        case run(callId: String, name: String, arguments: String)
        /// Stop the running tool of this call (the call ended).
        case cancel(callId: String)
        /// Send this call's output to the provider.
        case answer(callId: String, output: String)
        /// Ask the provider for a response, with this `event_id` and, when set, these instructions.
        case requestResponse(eventId: String?, instructions: String?)
        /// End the call once the assistant's audio has played. `waitForGoodbye`: a goodbye was
        /// requested and is not spoken yet (bound the wait for it); otherwise the last audio is
        /// already on its way to the caller.
        case hangUp(waitForGoodbye: Bool)
        /// Call `retryResponseCreate()` after this many milliseconds (a refused request).
        case scheduleRetry(afterMs: Int64)
        /// Hand the call to a person once the assistant's sentence has played (it ends with the
        /// `hangUp` that follows, which then transfers instead of closing).
        case transfer(ToolResult.Transfer)
        /// A run finished: count it. The tool's name is `unknown` for a name not offered, so a
        /// model's inventions cannot grow the metric's labels; the outcome is `cancelled` when
        /// the call ended first.
        case count(tool: String, outcome: String)
    }

    private struct Call {
        let callId: String
        let name: String
        var result: ToolResult?
        /// Set when the response that made the call is done.
        var responseDone = false
        /// Whether that response carried assistant audio (a goodbye before `hang_up`).
        var responseHadAudio = false
    }

    /// How long after a refused `response.create` the runner tries once more. Refusals other
    /// than "active response" are the server's own trouble (`server_error`, a rate limit): an
    /// immediate retry meets the same condition, while a second later the caller has heard only
    /// a short pause. One retry per batch of outputs, never more: a provider that refuses every
    /// `response.create` costs two events per batch, not a loop.
    static let retryDelayMs: Int64 = 1_000

    /// The `code` of the error that refuses a `response.create` because another response runs.
    static let activeResponseCode = "conversation_already_has_active_response"

    /// Instructions for the goodbye when `hang_up` came without one.
    static let goodbyeInstructions = "Say a short, friendly goodbye to the caller now. Do not call any tool."

    /// The names of the tools offered (anything else counts as `unknown`).
    private let offered: Set<String>
    private let log: () -> Logger
    private var calls: [Call] = []
    private var startedCallIds: Set<String> = []
    private var namesByItemId: [String: String] = [:]
    private var responseActive = false
    private var responseHadAudio = false
    private var responseCreatePending = false
    /// How many response requests the runner made; numbers their `event_id`.
    private var responseCreatesSent = 0
    /// The `event_id` of the last request, until a response starts: an `error` naming it means
    /// the server refused it and no response is coming.
    private var unansweredCreateId: String?
    /// Whether the current batch of outputs had its one retry.
    private var retriedThisBatch = false
    /// Set while a retry is scheduled; a response that starts meanwhile makes it unnecessary.
    private var retryScheduled = false
    private var hangUpAfterNextResponse = false
    private var stopped = false
    /// Set once `hang_up` was answered: later calls are ignored and no response is requested.
    private(set) var endingCall = false

    /// A runner for the tools named `offered`; `log` gives the call's current logger (it gains
    /// the CallSid once Twilio's `start` arrives).
    init(offered: Set<String>, log: @escaping () -> Logger) {
        self.offered = offered
        self.log = log
    }

    /// Calls started and not yet answered (or answered, waiting for their response to finish).
    var pendingCalls: Int { calls.count }

    /// Whether calls wait for the end of the response that made them.
    var awaitsResponseDone: Bool { calls.contains { !$0.responseDone } }

    /// Feeds one provider event.
    func observe(_ event: Event) -> [Action] {
        guard !stopped else { return [] }
        switch event {
        case .responseStarted:
            responseActive = true
            responseHadAudio = false
            unansweredCreateId = nil
            retryScheduled = false
        case .error(let code, let message, let eventId):
            if let eventId, eventId == unansweredCreateId { return refused(code: code, message: message) }
        case .assistantAudio:
            responseHadAudio = true
        case .functionCallNamed(let itemId, let name):
            namesByItemId[itemId] = name
        case .functionCallArguments(let itemId, let callId, let arguments):
            // Without the name (no item added seen), the whole item brings both.
            if let itemId, let name = namesByItemId[itemId] { return start(callId: callId, name: name, arguments: arguments) }
        case .functionCall(let itemId, let callId, let name, let arguments):
            if let itemId { namesByItemId[itemId] = nil }
            guard let callId, let name else {
                log().warning("ignored a function_call item without call_id or name",
                              [("call_id", callId ?? ""), ("name", name ?? "")])
                return []
            }
            return start(callId: callId, name: name, arguments: arguments)
        case .responseDone:
            responseActive = false
            for index in calls.indices where !calls[index].responseDone {
                calls[index].responseDone = true
                calls[index].responseHadAudio = responseHadAudio
            }
            if hangUpAfterNextResponse {
                hangUpAfterNextResponse = false
                return [.hangUp(waitForGoodbye: false)]
            }
            return flush()
        }
        return []
    }

    /// The tool of `callId` answered.
    func finished(callId: String, result: ToolResult) -> [Action] {
        guard !stopped, let index = calls.firstIndex(where: { $0.callId == callId }), calls[index].result == nil else { return [] }
        calls[index].result = result
        return [.count(tool: metricName(calls[index].name), outcome: result.outcome)] + flush()
    }

    /// The call ended: every tool still running is cancelled, and whatever arrives later ignored.
    func stop() -> [Action] {
        guard !stopped else { return [] }
        stopped = true
        let running = calls.filter { $0.result == nil }
        calls = []
        return running.flatMap { call -> [Action] in
            log().info("tool cancelled because the call ended", [("tool", call.name), ("call_id", call.callId)])
            return [.cancel(callId: call.callId), .count(tool: metricName(call.name), outcome: "cancelled")]
        }
    }

    /// The transfer could not start (Twilio refused it): the conversation goes on, tools included.
    func transferFailed() {
        endingCall = false
        hangUpAfterNextResponse = false
    }

    /// The scheduled retry is due: requests a response unless one started since the refusal
    /// (it speaks the outputs) or the call is ending.
    func retryResponseCreate() -> [Action] {
        guard !stopped, retryScheduled else { return [] }
        retryScheduled = false
        guard !endingCall, !responseActive else { return [] }
        responseCreatePending = true
        return flush()
    }

    // MARK: Refusals

    /// The server refused the runner's last request with an `error` naming its `event_id`
    /// (OpenAI: `error.event_id`, PROTOCOLS.md §2).
    private func refused(code: String?, message: String) -> [Action] {
        unansweredCreateId = nil
        var fields = [("code", code ?? ""), ("message", message)]
        guard code != Self.activeResponseCode, !message.contains("already has an active response") else {
            // A response is running after all; it ends as usual and flush() decides then.
            log().debug("response.create after tool outputs refused: a response is already running", fields)
            return []
        }
        responseActive = false  // set when it was sent; no response is coming for it
        guard !retriedThisBatch, !endingCall else {
            fields.append(("retry", "no"))
            log().warning("provider refused response.create again after tool outputs; the answer waits for the "
                          + "next tool output or the caller's next turn", fields)
            return []
        }
        retriedThisBatch = true
        retryScheduled = true
        fields.append(("retry_in_ms", String(Self.retryDelayMs)))
        log().warning("provider refused response.create after tool outputs; retrying once", fields)
        return [.scheduleRetry(afterMs: Self.retryDelayMs)]
    }

    // MARK: Running calls

    private func start(callId: String, name: String, arguments: String) -> [Action] {
        guard startedCallIds.insert(callId).inserted else { return [] }
        guard !endingCall else {
            log().info("ignored a tool call made while the call is ending", [("tool", name), ("call_id", callId)])
            return []
        }
        calls.append(Call(callId: callId, name: name))
        return [.run(callId: callId, name: name, arguments: arguments)]
    }

    private func metricName(_ name: String) -> String {
        offered.contains(name) ? name : "unknown"
    }

    /// The outputs of finished responses whose calls are all answered, then at most one
    /// response request once no response is running.
    private func flush() -> [Action] {
        var actions: [Action] = []
        let done = calls.prefix { $0.responseDone }
        if !done.isEmpty, done.allSatisfy({ $0.result != nil }) {
            calls.removeFirst(done.count)
            for call in done { actions.append(.answer(callId: call.callId, output: call.result!.output)) }
            if let transfer = done.lazy.compactMap({ $0.result!.transfer }).first {
                // Like a hang-up: the model says its sentence, then the call leaves the stream.
                endingCall = true
                responseCreatePending = false
                hangUpAfterNextResponse = true
                responseActive = true
                actions.append(.transfer(transfer))
                actions.append(.requestResponse(eventId: nil, instructions: nil))
                actions.append(.hangUp(waitForGoodbye: true))
                return actions
            }
            if done.contains(where: { $0.result!.endsCall }) {
                endingCall = true
                responseCreatePending = false
                if done.contains(where: { $0.responseHadAudio }) {
                    actions.append(.hangUp(waitForGoodbye: false))
                } else {
                    // The model hung up without a word: ask for the goodbye, hang up after it.
                    hangUpAfterNextResponse = true
                    responseActive = true
                    actions.append(.requestResponse(eventId: nil, instructions: Self.goodbyeInstructions))
                    actions.append(.hangUp(waitForGoodbye: true))
                }
                return actions
            }
            responseCreatePending = true
            retriedThisBatch = false  // a new batch earns its own retry
        }
        if responseCreatePending, !responseActive, !endingCall, calls.isEmpty {
            responseCreatePending = false
            responseActive = true  // until the response is done; never two at once
            responseCreatesSent += 1
            let eventId = "tool_response_\(responseCreatesSent)"
            unansweredCreateId = eventId
            actions.append(.requestResponse(eventId: eventId, instructions: nil))
        }
        return actions
    }
}

@available(*, unavailable)
extension CallToolRunner: Sendable {}
