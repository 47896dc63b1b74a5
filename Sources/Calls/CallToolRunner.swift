import Logging
import JSON
import Net
import Realtime
import Tools

/// Runs the model's function calls for one call, without ever holding up audio.
///
/// It reads the provider's events (PROTOCOLS.md §2): a `function_call` item's name arrives with
/// `response.output_item.added`, its arguments with `response.function_call_arguments.done`
/// (joined on `item_id`), or both with `response.output_item.done`. Each call starts at once;
/// when the response is done and every call of it is answered, one `conversation.item.create`
/// per call carries the outputs, then a single `response.create` lets the model speak — unless
/// another response is running, in which case it waits for that one to finish.
///
/// That `response.create` carries an `event_id`, so an `error` refusing it can be told apart
/// from others. Refused (any error but "already has an active response", whose response will
/// end with `response.done` as usual), nothing is running and the outputs sit unspoken in the
/// conversation: the runner retries once after `retryDelayMs`, unless a response starts first;
/// a second refusal is logged and left for the next tool output or the caller's next turn.
///
/// It decides and says what to do through `perform`; it owns no socket, so tests drive it with
/// events and read the actions. Confined to the call's loop thread.
final class CallToolRunner {
    /// What the session must do.
    enum Action: Equatable {
        /// Send this client event to the provider.
        case send(String)
        /// End the call once the assistant's audio has played. `waitForGoodbye`: a goodbye was
        /// requested and is not spoken yet (bound the wait for it); otherwise the last audio is
        /// already on its way to the caller.
        case hangUp(waitForGoodbye: Bool)
        /// Call `retryResponseCreate()` after this many milliseconds (a refused `response.create`).
        case scheduleRetry(afterMs: Int64)
    }

    private struct Call {
        let callId: String
        let name: String
        let startedAtMs: Int64
        var task: ToolTask?
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

    private let registry: ToolRegistry
    private let log: () -> Logger
    private let perform: (Action) -> Void
    private var calls: [Call] = []
    private var startedCallIds: Set<String> = []
    private var namesByItemId: [String: String] = [:]
    private var responseActive = false
    private var responseHadAudio = false
    private var responseCreatePending = false
    /// How many `response.create` the runner sent; numbers their `event_id`.
    private var responseCreatesSent = 0
    /// The `event_id` of the last `response.create` sent, until a `response.created` follows
    /// it: an `error` naming it means the server refused it and no response is coming.
    private var unansweredCreateId: String?
    /// Whether the current batch of outputs had its one retry.
    private var retriedThisBatch = false
    /// Set while a retry is scheduled; a response that starts meanwhile makes it unnecessary.
    private var retryScheduled = false
    private var hangUpAfterNextResponse = false
    private var stopped = false
    /// Set once `hang_up` was answered: later calls are ignored and no `response.create` is sent.
    private(set) var endingCall = false
    /// Told each finished run: the tool's name (`unknown` for a name not offered, so a model's
    /// inventions cannot grow the metric's labels) and its outcome (`cancelled` when the call
    /// ended first). Feeds `/metrics`.
    var onToolFinished: ((_ tool: String, _ outcome: String) -> Void)?

    /// Creates a runner over `registry`; `log` gives the call's current logger (it gains the
    /// CallSid once Twilio's `start` arrives).
    init(registry: ToolRegistry, log: @escaping () -> Logger, perform: @escaping (Action) -> Void) {
        self.registry = registry
        self.log = log
        self.perform = perform
    }

    /// Calls started and not yet answered (or answered, waiting for their response to finish).
    var pendingCalls: Int { calls.count }

    /// Feeds one provider event; events that are not about responses or tools are ignored.
    func observe(_ event: RealtimeServerEvent) {
        guard !stopped else { return }
        switch event {
        case .responseCreated:
            responseActive = true
            responseHadAudio = false
            // Whichever response this is, it sees the outputs already in the conversation.
            unansweredCreateId = nil
            retryScheduled = false
        case .error(_, let code, let message, _, let eventId):
            if let eventId, eventId == unansweredCreateId {
                refused(code: code, message: message)
            }
        case .audioDelta:
            responseHadAudio = true
        case .outputItemAdded(let item):
            if item["type"]?.stringValue == "function_call", let id = item["id"]?.stringValue,
               let name = item["name"]?.stringValue {
                namesByItemId[id] = name
            }
        case .functionCallArgumentsDone(let itemId, let callId, let arguments):
            // Without the name (no output_item.added seen), output_item.done brings both.
            if let itemId, let name = namesByItemId[itemId] {
                start(callId: callId, name: name, arguments: arguments)
            }
        case .outputItemDone(let item):
            guard item["type"]?.stringValue == "function_call" else { return }
            if let id = item["id"]?.stringValue { namesByItemId[id] = nil }
            guard let callId = item["call_id"]?.stringValue, let name = item["name"]?.stringValue else {
                log().warning("ignored a function_call item without call_id or name", [("item", item.serialized())])
                return
            }
            start(callId: callId, name: name, arguments: item["arguments"]?.stringValue ?? "")
        case .responseDone:
            responseActive = false
            for index in calls.indices where !calls[index].responseDone {
                calls[index].responseDone = true
                calls[index].responseHadAudio = responseHadAudio
            }
            if hangUpAfterNextResponse {
                hangUpAfterNextResponse = false
                perform(.hangUp(waitForGoodbye: false))
                return
            }
            flush()
        default:
            break
        }
    }

    /// The call ended: cancels every tool still running (a web search's transfer stops and its
    /// socket is released) and ignores whatever arrives later.
    func stop() {
        guard !stopped else { return }
        stopped = true
        let running = calls.filter { $0.result == nil }
        calls = []
        for call in running {
            log().info("tool cancelled because the call ended", [("tool", call.name), ("call_id", call.callId)])
            call.task?.cancel()
            onToolFinished?(metricName(call.name), "cancelled")
        }
    }

    /// The scheduled retry is due: sends `response.create` unless a response started since the
    /// refusal (it speaks the outputs) or the call is ending.
    func retryResponseCreate() {
        guard !stopped, retryScheduled else { return }
        retryScheduled = false
        guard !endingCall, !responseActive else { return }
        responseCreatePending = true
        flush()
    }

    // MARK: Refusals

    /// The server refused the runner's last `response.create` with an `error` naming its
    /// `event_id` (OpenAI: `error.event_id`, PROTOCOLS.md §2).
    private func refused(code: String?, message: String) {
        unansweredCreateId = nil
        var fields = [("code", code ?? ""), ("message", message)]
        guard code != Self.activeResponseCode, !message.contains("already has an active response") else {
            // A response is running after all; its response.done comes as usual and flush()
            // decides then. Nothing is stuck.
            log().debug("response.create after tool outputs refused: a response is already running", fields)
            return
        }
        responseActive = false  // set when it was sent; no response is coming for it
        guard !retriedThisBatch, !endingCall else {
            fields.append(("retry", "no"))
            log().warning("provider refused response.create again after tool outputs; the answer waits for the "
                          + "next tool output or the caller's next turn", fields)
            return
        }
        retriedThisBatch = true
        retryScheduled = true
        fields.append(("retry_in_ms", String(Self.retryDelayMs)))
        log().warning("provider refused response.create after tool outputs; retrying once", fields)
        perform(.scheduleRetry(afterMs: Self.retryDelayMs))
    }

    // MARK: Running calls

    private func start(callId: String, name: String, arguments: String) {
        guard startedCallIds.insert(callId).inserted else { return }
        guard !endingCall else {
            log().info("ignored a tool call made while the call is ending", [("tool", name), ("call_id", callId)])
            return
        }
        log().info("tool called", [("tool", name), ("call_id", callId)])
        calls.append(Call(callId: callId, name: name, startedAtMs: MonotonicClock.nowMs()))
        let task = registry.run(ToolCall(name: name, callId: callId, arguments: arguments, log: log())) { [weak self] result in
            self?.finish(callId: callId, result: result)
        }
        // A tool may have answered already (hang_up does, synchronously).
        if let index = calls.firstIndex(where: { $0.callId == callId }), calls[index].result == nil {
            calls[index].task = task
        }
    }

    private func metricName(_ name: String) -> String {
        registry.tool(named: name) == nil ? "unknown" : name
    }

    private func finish(callId: String, result: ToolResult) {
        guard !stopped, let index = calls.firstIndex(where: { $0.callId == callId }) else { return }
        calls[index].result = result
        calls[index].task = nil
        let call = calls[index]
        log().info("tool answered", [("tool", call.name), ("call_id", callId),
                                     ("ms", String(MonotonicClock.nowMs() - call.startedAtMs)),
                                     ("output_bytes", String(result.output.utf8.count))])
        onToolFinished?(metricName(call.name), result.outcome)
        flush()
    }

    /// Sends the outputs of finished responses whose calls are all answered, then at most one
    /// `response.create` once no response is running.
    private func flush() {
        let done = calls.prefix { $0.responseDone }
        if !done.isEmpty, done.allSatisfy({ $0.result != nil }) {
            calls.removeFirst(done.count)
            for call in done {
                perform(.send(RealtimeClientEvent.functionCallOutput(callId: call.callId, output: call.result!.output)))
            }
            if done.contains(where: { $0.result!.endsCall }) {
                endingCall = true
                responseCreatePending = false
                if done.contains(where: { $0.responseHadAudio }) {
                    perform(.hangUp(waitForGoodbye: false))
                } else {
                    // The model hung up without a word: ask for the goodbye, hang up after it.
                    hangUpAfterNextResponse = true
                    responseActive = true
                    perform(.send(RealtimeClientEvent.responseCreate(instructions: Self.goodbyeInstructions)))
                    perform(.hangUp(waitForGoodbye: true))
                }
                return
            }
            responseCreatePending = true
            retriedThisBatch = false  // a new batch earns its own retry
        }
        if responseCreatePending, !responseActive, !endingCall, calls.isEmpty {
            responseCreatePending = false
            responseActive = true  // until the server's response.done; never two at once
            responseCreatesSent += 1
            let eventId = "tool_response_\(responseCreatesSent)"
            unansweredCreateId = eventId
            perform(.send(RealtimeClientEvent.responseCreate(eventId: eventId)))
        }
    }
}

@available(*, unavailable)
extension CallToolRunner: Sendable {}
