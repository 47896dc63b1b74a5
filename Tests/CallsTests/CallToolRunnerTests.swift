import Logging
import JSON
import Realtime
import Testing
import Tools
@testable import Calls

/// The function-call loop of one call, driven by provider events, read through its actions.
@Suite struct CallToolRunnerTests {
    /// A tool that answers when the test says so, and counts cancellations.
    final class ManualTool {
        var pending: [String: (ToolResult) -> Void] = [:]
        var started: [(callId: String, arguments: String)] = []
        var cancelled: [String] = []

        func tool(_ name: String = "lookup") -> Tool {
            Tool(name: name, description: "d", parameters: ["type": "object"]) { [unowned self] call, completion in
                started.append((call.callId, call.arguments))
                pending[call.callId] = completion
                return ToolTask { [unowned self] in cancelled.append(call.callId) }
            }
        }

        func answer(_ callId: String, _ output: String) {
            pending.removeValue(forKey: callId)?(ToolResult(output: output))
        }
    }

    /// Carries out the runner's actions as the session does (the tools run through a registry)
    /// and records the rest.
    final class Harness {
        let manual = ManualTool()
        var actions: [CallToolRunner.Action] = []
        var counted: [String] = []
        lazy var registry = ToolRegistry([manual.tool(), HangUpTool.make()])
        lazy var runner = CallToolRunner(offered: Set(registry.names), log: { Logger() })
        var tasks: [String: ToolTask] = [:]

        func perform(_ new: [CallToolRunner.Action]) {
            for action in new {
                switch action {
                case .run(let callId, let name, let arguments):
                    tasks[callId] = registry.run(ToolCall(name: name, callId: callId, arguments: arguments)) { [unowned self] result in
                        perform(runner.finished(callId: callId, result: result))
                    }
                case .cancel(let callId):
                    tasks[callId]?.cancel()
                case .count(let tool, let outcome):
                    counted.append("\(tool):\(outcome)")
                default:
                    actions.append(action)
                }
            }
        }

        func event(_ json: String) {
            guard let event = CallToolRunner.Event(try! RealtimeServerEvent.decode(json)) else { return }
            perform(runner.observe(event))
        }

        func retry() { perform(runner.retryResponseCreate()) }
        func stop() { perform(runner.stop()) }

        func functionCall(item: String, call: String, name: String = "lookup", arguments: String = #"{\"q\":\"x\"}"#) {
            event(#"{"type":"response.output_item.added","item":{"id":"\#(item)","type":"function_call","name":"\#(name)","call_id":"\#(call)","arguments":""}}"#)
            event(#"{"type":"response.function_call_arguments.done","item_id":"\#(item)","call_id":"\#(call)","arguments":"\#(arguments)"}"#)
            event(#"{"type":"response.output_item.done","item":{"id":"\#(item)","type":"function_call","name":"\#(name)","call_id":"\#(call)","arguments":"\#(arguments)"}}"#)
        }

        func responseCreated() { event(#"{"type":"response.created","response":{"id":"r"}}"#) }
        func responseDone() { event(#"{"type":"response.done","response":{"id":"r","status":"completed"}}"#) }
        func audio() { event(#"{"type":"response.output_audio.delta","item_id":"i","delta":"AAAA"}"#) }
        func error(eventId: String?, code: String = "server_error", message: String = "The server had an error while processing your request.") {
            let id = eventId.map { #""\#($0)""# } ?? "null"
            event(#"{"type":"error","event_id":"event_9","error":{"type":"server_error","code":"\#(code)","message":"\#(message)","param":null,"event_id":\#(id)}}"#)
        }

        /// A function call in its own response, answered at once.
        func answeredCall(_ n: Int) {
            responseCreated()
            functionCall(item: "item_\(n)", call: "call_\(n)")
            responseDone()
            manual.answer("call_\(n)", "answer \(n)")
        }

    }

    static func output(_ callId: String, _ output: String) -> CallToolRunner.Action {
        .answer(callId: callId, output: output)
    }

    /// The runner's `n`th `response.create`, with the `event_id` an error would name.
    static func create(_ n: Int) -> CallToolRunner.Action {
        .requestResponse(eventId: "tool_response_\(n)", instructions: nil)
    }

    @Test func oneCall_startsOnce_thenOutputAndOneResponseCreate_afterTheResponseIsDone() {
        let h = Harness()
        h.responseCreated()
        h.functionCall(item: "item_1", call: "call_1")
        #expect(h.manual.started.map(\.callId) == ["call_1"], "started at arguments.done, not again at output_item.done")
        #expect(h.manual.started.first?.arguments == #"{"q":"x"}"#)
        h.responseDone()
        #expect(h.actions.isEmpty, "nothing is sent while the tool runs")
        h.manual.answer("call_1", "42")
        #expect(h.actions == [Self.output("call_1", "42"), Self.create(1)])
        #expect(h.counted == ["lookup:ok"])
    }

    @Test func severalCalls_areAllAnswered_beforeTheSingleResponseCreate() {
        let h = Harness()
        h.responseCreated()
        h.functionCall(item: "item_1", call: "call_1")
        h.functionCall(item: "item_2", call: "call_2")
        h.responseDone()
        h.manual.answer("call_2", "two")
        #expect(h.actions.isEmpty, "call_1 still runs")
        h.manual.answer("call_1", "one")
        #expect(h.actions == [Self.output("call_1", "one"), Self.output("call_2", "two"), Self.create(1)])
    }

    /// Answered in the order they were made: the first answer alone must not release the
    /// `response.create` (the model would answer with one result missing).
    @Test func severalCalls_answeredInOrder_stillGetOneResponseCreateAfterTheLast() {
        let h = Harness()
        h.responseCreated()
        h.functionCall(item: "item_1", call: "call_1")
        h.functionCall(item: "item_2", call: "call_2")
        h.responseDone()
        h.manual.answer("call_1", "one")
        #expect(!h.actions.contains(Self.create(1)), "call_2 still runs: \(h.actions)")
        h.manual.answer("call_2", "two")
        #expect(h.actions.filter { $0 == Self.create(1) }.count == 1)
        #expect(h.actions.last == Self.create(1))
        #expect(Set(h.actions.dropLast().map { "\($0)" }) == Set([Self.output("call_1", "one"), Self.output("call_2", "two")].map { "\($0)" }))
    }

    @Test func anAnswerBeforeResponseDone_waitsForIt() {
        let h = Harness()
        h.responseCreated()
        h.functionCall(item: "item_1", call: "call_1")
        h.manual.answer("call_1", "fast")
        #expect(h.actions.isEmpty)
        h.responseDone()
        #expect(h.actions == [Self.output("call_1", "fast"), Self.create(1)])
    }

    @Test func whileAnotherResponseRuns_theResponseCreateWaitsForItsEnd() {
        let h = Harness()
        h.responseCreated()
        h.functionCall(item: "item_1", call: "call_1")
        h.responseDone()
        h.responseCreated()  // the caller spoke; server VAD started a response
        h.manual.answer("call_1", "late")
        #expect(h.actions == [Self.output("call_1", "late")])
        h.responseDone()
        #expect(h.actions == [Self.output("call_1", "late"), Self.create(1)])
        h.responseDone()
        #expect(h.actions.count == 2, "one response.create, not one per response.done")
    }

    @Test func refusedResponseCreate_isRetriedOnceAfterADelay_neverMore() {
        let h = Harness()
        h.answeredCall(1)
        #expect(h.actions == [Self.output("call_1", "answer 1"), Self.create(1)])
        h.error(eventId: "tool_response_1")
        #expect(h.actions.last == .scheduleRetry(afterMs: CallToolRunner.retryDelayMs), "the refusal is noticed, a retry scheduled")
        h.retry()
        #expect(h.actions.last == Self.create(2))
        h.error(eventId: "tool_response_2")
        h.retry()  // a stale timer must not send either
        #expect(h.actions.count == 4, "a second refusal of the same batch is not retried: \(h.actions)")
        // The next batch of outputs gets its response.create, and its own single retry.
        h.answeredCall(2)
        #expect(h.actions.suffix(2) == [Self.output("call_2", "answer 2"), Self.create(3)])
        h.error(eventId: "tool_response_3")
        #expect(h.actions.last == .scheduleRetry(afterMs: CallToolRunner.retryDelayMs))
    }

    @Test func aResponseStartingBeforeTheRetry_makesItUnnecessary() {
        let h = Harness()
        h.answeredCall(1)
        h.error(eventId: "tool_response_1")
        h.responseCreated()  // the caller spoke: this response sees the outputs
        h.retry()
        #expect(h.actions == [Self.output("call_1", "answer 1"), Self.create(1), .scheduleRetry(afterMs: CallToolRunner.retryDelayMs)])
    }

    @Test func activeResponseRefusal_waitsForThatResponse_withoutRetry() {
        let h = Harness()
        h.answeredCall(1)
        h.error(eventId: "tool_response_1", code: CallToolRunner.activeResponseCode,
                message: "Conversation already has an active response in progress: resp_1.")
        #expect(h.actions.count == 2, "no retry: a response is running")
        h.retry()
        h.responseDone()
        #expect(h.actions.count == 2, "one response.create, not one per response.done")
    }

    @Test func errorsAboutOtherEvents_leaveThePendingResponseCreateAlone() {
        let h = Harness()
        h.answeredCall(1)
        h.error(eventId: nil)
        h.error(eventId: "c1")  // e.g. a refused truncate
        h.retry()
        #expect(h.actions == [Self.output("call_1", "answer 1"), Self.create(1)], "no retry for someone else's error")
        h.responseCreated()
        h.responseDone()
        h.error(eventId: "tool_response_1")  // late, after its response ran: not a refusal
        h.retry()
        #expect(h.actions.count == 2)
    }

    @Test func nameFromOutputItemDone_whenNoItemAddedWasSeen() {
        let h = Harness()
        h.responseCreated()
        h.event(#"{"type":"response.function_call_arguments.done","item_id":"item_9","call_id":"call_9","arguments":"{}"}"#)
        #expect(h.manual.started.isEmpty, "no name yet")
        h.event(#"{"type":"response.output_item.done","item":{"id":"item_9","type":"function_call","name":"lookup","call_id":"call_9","arguments":"{}"}}"#)
        #expect(h.manual.started.map(\.callId) == ["call_9"])
    }

    @Test func unknownTool_isAnsweredSoTheModelCanRecover() {
        let h = Harness()
        h.responseCreated()
        h.functionCall(item: "item_1", call: "call_1", name: "teleport")
        h.responseDone()
        #expect(h.actions == [Self.output("call_1", "There is no tool named 'teleport'. Available tools: lookup, hang_up."), Self.create(1)])
        #expect(h.counted == ["unknown:unknown_tool"], "a name not offered is counted as unknown")
    }

    @Test func hangUpAfterAGoodbye_sendsTheOutput_andHangsUpWithoutANewResponse() {
        let h = Harness()
        h.responseCreated()
        h.audio()
        h.functionCall(item: "item_1", call: "call_1", name: "hang_up", arguments: "{}")
        h.responseDone()
        #expect(h.actions == [Self.output("call_1", "The call ends once your goodbye has played."), .hangUp(waitForGoodbye: false)])
        #expect(h.runner.endingCall)
        h.responseCreated()
        h.functionCall(item: "item_2", call: "call_2")
        h.responseDone()
        #expect(h.manual.started.isEmpty, "no tool runs once the call is ending")
        #expect(h.actions.count == 2)
    }

    @Test func hangUpWithoutAGoodbye_asksForOne_andHangsUpWhenItIsDone() {
        let h = Harness()
        h.responseCreated()
        h.functionCall(item: "item_1", call: "call_1", name: "hang_up", arguments: "{}")
        h.responseDone()
        #expect(h.actions == [
            Self.output("call_1", "The call ends once your goodbye has played."),
            .requestResponse(eventId: nil, instructions: CallToolRunner.goodbyeInstructions),
            .hangUp(waitForGoodbye: true),
        ])
        h.responseCreated()
        h.audio()
        h.responseDone()
        #expect(h.actions.last == .hangUp(waitForGoodbye: false))
    }

    @Test func stop_cancelsRunningTools_andDropsTheirLateAnswers() {
        let h = Harness()
        h.responseCreated()
        h.functionCall(item: "item_1", call: "call_1")
        h.stop()
        #expect(h.manual.cancelled == ["call_1"])
        h.responseDone()
        h.manual.answer("call_1", "too late")
        #expect(h.actions.isEmpty)
        #expect(h.runner.pendingCalls == 0)
        #expect(h.counted == ["lookup:cancelled"], "counted once, as cancelled")
    }

    @Test func outputItemAdded_decodesTheFunctionCallItem() throws {
        let event = try RealtimeServerEvent.decode(#"{"type":"response.output_item.added","response_id":"r","output_index":0,"item":{"id":"item_3","type":"function_call","name":"web_search","call_id":"call_9","arguments":""}}"#)
        guard case .outputItemAdded(let item) = event else { Issue.record("not outputItemAdded: \(event)"); return }
        #expect(item["name"] == "web_search" && item["call_id"] == "call_9" && item["id"] == "item_3")
    }
}
