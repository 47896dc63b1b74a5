import Foundation
import Testing
@testable import Realtime
import JSON

@Suite struct ReasoningSessionTests {
    @Test func reasoningModels_areTheGptRealtime2Family() {
        for model in ["gpt-realtime-2", "gpt-realtime-2.1", "gpt-realtime-2.1-mini", "gpt-realtime-3"] {
            #expect(RealtimeSessionOptions.modelTakesReasoning(model), "\(model)")
        }
        for model in ["gpt-realtime", "gpt-realtime-mini", "gpt-realtime-1.5", "gpt-realtime-2025-08-28",
                      "gpt-4o-realtime-preview", "my-deployment", ""] {
            #expect(!RealtimeSessionOptions.modelTakesReasoning(model), "\(model)")
        }
    }

    @Test func gaSessionUpdate_carriesReasoningAndParallelToolCalls_onlyWhenSet() throws {
        var options = RealtimeSessionOptions(instructions: "be brief")
        let plain = try JSON.parse(RealtimeClientEvent.sessionUpdate(options, dialect: .ga))
        #expect(plain["session"]?["reasoning"] == nil && plain["session"]?["parallel_tool_calls"] == nil)
        options.reasoningEffort = "medium"
        options.parallelToolCalls = false
        let ga = try JSON.parse(RealtimeClientEvent.sessionUpdate(options, dialect: .ga))
        #expect(ga["session"]?["reasoning"]?["effort"]?.stringValue == "medium")
        #expect(ga["session"]?["parallel_tool_calls"] == .bool(false))
        let beta = try JSON.parse(RealtimeClientEvent.sessionUpdate(options, dialect: .beta))
        #expect(beta["session"]?["reasoning"] == nil && beta["session"]?["parallel_tool_calls"] == nil, "the beta dialect has neither")
    }
}
