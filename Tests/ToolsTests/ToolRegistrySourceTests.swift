import JSON
import Testing
@testable import Tools

@Suite struct ToolRegistrySourceTests {
    func tool(_ name: String) -> Tool {
        Tool(name: name, description: name, parameters: ["type": "object"]) { _, completion in
            completion(ToolResult(output: "ran \(name)"))
            return .finished
        }
    }

    @Test func source_isReadEachTime_soCopiesOfferToolsThatAppearLater() {
        final class Box { var tools: [Tool] = [] }
        let box = Box()
        var registry = ToolRegistry([tool("hang_up")])
        #expect(!registry.isDynamic)
        registry.register(source: { box.tools })
        #expect(registry.isDynamic)
        let copy = registry  // what a CallContext holds
        #expect(copy.names == ["hang_up"])
        box.tools = [tool("lookup_order"), tool("hang_up")]
        #expect(copy.names == ["hang_up", "lookup_order"], "a source never replaces a fixed tool")
        #expect(copy.definitions.count == 2)
        var output: String?
        copy.run(ToolCall(name: "lookup_order", callId: "c1", arguments: "{}")) { output = $0.output }
        #expect(output == "ran lookup_order")
    }
}
