import Logging
import JSON
import Realtime
import Testing
@testable import Calls

/// Which sessions get `reasoning` and `parallel_tool_calls`: the models that take them.
@Suite struct CallContextReasoningTests {
    func session(_ endpoint: RealtimeEndpoint, effort: String? = nil, parallel: Bool? = nil) throws -> JSON {
        var context = CallContext(endpoint: endpoint, sessionOptions: RealtimeSessionOptions(instructions: "be brief"),
                                  greeting: "", tls: nil, logger: Logger())
        context.conversation.reasoningEffort = effort
        context.conversation.parallelToolCalls = parallel
        return try #require(try JSON.parse(context.sessionUpdate(for: endpoint))["session"])
    }

    @Test func openAIReasoningModels_getLowByDefault_andWhatIsSet() throws {
        let current = RealtimeEndpoint.openAI(apiKey: "k", model: "gpt-realtime-2.1")
        #expect(try session(current)["reasoning"]?["effort"]?.stringValue == "low")
        #expect(try session(current)["parallel_tool_calls"] == nil)
        let set = try session(current, effort: "high", parallel: true)
        #expect(set["reasoning"]?["effort"]?.stringValue == "high" && set["parallel_tool_calls"] == .bool(true))
    }

    @Test func olderModels_theLocalParrot_andTheBetaDialect_getNeither() throws {
        #expect(try session(.openAI(apiKey: "k", model: "gpt-realtime"), effort: "high", parallel: true)["reasoning"] == nil)
        #expect(try session(.local, effort: "high")["reasoning"] == nil)
        let preview = RealtimeEndpoint.azure(endpoint: "https://r.openai.azure.com", deployment: "d", apiKey: "k", apiVersion: "2025-04-01-preview")
        #expect(try session(preview, effort: "high")["reasoning"] == nil)
    }

    @Test func azureDeployments_getReasoningOnlyWhenSet() throws {
        let azure = RealtimeEndpoint.azure(endpoint: "https://r.openai.azure.com", deployment: "voice", apiKey: "k", apiVersion: nil)
        #expect(try session(azure)["reasoning"] == nil, "a deployment's name does not say its model")
        #expect(try session(azure, effort: "minimal")["reasoning"]?["effort"]?.stringValue == "minimal")
    }
}
