import JSON
import Testing
@testable import Tools

@Suite struct ToolRegistryTests {
    func echoTool(_ name: String = "echo") -> Tool {
        Tool(name: name, description: "Repeats its text.",
             parameters: ["type": "object", "properties": ["text": ["type": "string"]], "required": ["text"]]) { call, completion in
            completion(ToolResult(output: call.stringArgument("text") ?? "(nothing)"))
            return .finished
        }
    }

    @Test func definitions_areTheSessionUpdateToolsArray() {
        let registry = ToolRegistry([echoTool()])
        #expect(registry.definitions == [[
            "type": "function", "name": "echo", "description": "Repeats its text.",
            "parameters": ["type": "object", "properties": ["text": ["type": "string"]], "required": ["text"]],
        ]])
    }

    @Test func run_dispatchesByName_withTheModelsArguments() {
        var output: String?
        ToolRegistry([echoTool()]).run(ToolCall(name: "echo", callId: "c1", arguments: #"{"text":"hi there"}"#)) { output = $0.output }
        #expect(output == "hi there")
    }

    @Test func unknownTool_answersWithAnOutputNamingTheToolsThatExist() {
        var result: ToolResult?
        ToolRegistry([echoTool(), HangUpTool.make()]).run(ToolCall(name: "order_pizza", callId: "c", arguments: "{}")) { result = $0 }
        #expect(result?.output == "There is no tool named 'order_pizza'. Available tools: echo, hang_up.")
        #expect(result?.endsCall == false)
    }

    @Test func registeringTheSameNameTwice_replacesTheFirst() {
        var registry = ToolRegistry([echoTool()])
        registry.register(HangUpTool.make())
        registry.register(Tool(name: "echo", description: "v2", parameters: ["type": "object"]) { _, c in
            c(ToolResult(output: "v2")); return .finished
        })
        #expect(registry.names == ["echo", "hang_up"])
        #expect(registry.tool(named: "echo")?.description == "v2")
    }

    @Test func afterCancel_aLateCompletionIsDropped_andTheToolIsStopped() {
        var finish: ((ToolResult) -> Void)?
        var stopped = 0
        let slow = Tool(name: "slow", description: "", parameters: ["type": "object"]) { _, completion in
            finish = completion
            return ToolTask { stopped += 1 }
        }
        var delivered = 0
        let task = ToolRegistry([slow]).run(ToolCall(name: "slow", callId: "c", arguments: "")) { _ in delivered += 1 }
        task.cancel()
        task.cancel()
        finish?(ToolResult(output: "late"))
        #expect(delivered == 0)
        #expect(stopped == 1)
    }

    @Test func aHandlerThatCompletesTwice_deliversOnce() {
        let twice = Tool(name: "twice", description: "", parameters: ["type": "object"]) { _, completion in
            completion(ToolResult(output: "1"))
            completion(ToolResult(output: "2"))
            return .finished
        }
        var outputs: [String] = []
        ToolRegistry([twice]).run(ToolCall(name: "twice", callId: "c", arguments: "")) { outputs.append($0.output) }
        #expect(outputs == ["1"])
    }

    @Test func hangUp_endsTheCall() {
        var result: ToolResult?
        ToolRegistry([HangUpTool.make()]).run(ToolCall(name: "hang_up", callId: "c", arguments: "")) { result = $0 }
        #expect(result?.endsCall == true)
    }

    @Test func builtIn_offersWebSearchOnlyWithATavilyClient() {
        #expect(ToolRegistry.builtIn(tavily: nil).names == ["hang_up"])
    }

    @Test func arguments_emptyStringIsAnEmptyObject_andNonObjectsAreNil() {
        #expect(ToolCall(name: "t", callId: "c", arguments: "").argumentObject?.isEmpty == true)
        #expect(ToolCall(name: "t", callId: "c", arguments: "[1]").argumentObject == nil)
        #expect(ToolCall(name: "t", callId: "c", arguments: "{bad").argumentObject == nil)
    }

    @Test(arguments: [("web_search", true), ("a-b_9", true), ("", false), ("has space", false), ("émoji", false),
                      (String(repeating: "x", count: 65), false)])
    func toolNames_followTheAPIsPattern(name: String, valid: Bool) {
        #expect(Tool.isValidName(name) == valid)
    }
}
