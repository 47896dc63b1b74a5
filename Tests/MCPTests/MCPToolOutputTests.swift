import JSON
import Testing
@testable import MCP

@Suite struct MCPToolOutputTests {
    @Test func text_joinsTextContent_andDescribesOtherContent() {
        let result: JSON = ["content": [
            ["type": "text", "text": "Order 42 shipped."],
            ["type": "image", "data": "iVBOR…", "mimeType": "image/png"],
            ["type": "audio", "data": "UklG…", "mimeType": "audio/wav"],
            ["type": "resource", "resource": ["uri": "file:///r.pdf", "mimeType": "application/pdf", "blob": "JVBE"]],
            ["type": "resource_link", "uri": "https://x/y", "name": "invoice"],
        ]]
        let (output, isError) = MCPToolOutput.text(of: result)
        #expect(!isError)
        #expect(output == """
            Order 42 shipped.
            [an image (image/png)]
            [an audio clip (audio/wav)]
            [a file file:///r.pdf (application/pdf)]
            [a link to invoice at https://x/y]
            """)
    }

    @Test func text_addsStructuredContentAsJSON_onceOnly() {
        let structured: JSON = ["status": "shipped", "eta_days": 2]
        let alone = MCPToolOutput.text(of: ["content": [], "structuredContent": structured]).output
        #expect((try? JSON.parse(alone)) == structured)
        // MCP 2025-06-18: the same JSON in a text block; the model reads it once.
        let echoed = MCPToolOutput.text(of: ["content": [["type": "text", "text": .string(structured.serialized())]],
                                             "structuredContent": structured]).output
        #expect(echoed == structured.serialized())
        // The Python SDK's wrapping of a string return value.
        let wrapped = MCPToolOutput.text(of: ["content": [["type": "text", "text": "Order 42: shipped."]],
                                              "structuredContent": ["result": "Order 42: shipped."]]).output
        #expect(wrapped == "Order 42: shipped.")
    }

    @Test func text_saysTheToolReportedAnError() {
        let (output, isError) = MCPToolOutput.text(of: ["content": [["type": "text", "text": "Order 99 not found"]], "isError": true])
        #expect(isError)
        #expect(output == "The tool reported an error: Order 99 not found")
    }

    @Test func text_isBounded_withoutCuttingACharacter() {
        let text = String(repeating: "é", count: 3_000)  // 6000 bytes
        let output = MCPToolOutput.text(of: ["content": [["type": "text", "text": .string(text)]]], maxBytes: 4_000).output
        #expect(output.utf8.count <= 4_000)
        #expect(output.hasSuffix("…"))
        #expect(output.dropLast().allSatisfy { $0 == "é" })
        #expect(MCPToolOutput.bounded("a€bc", maxBytes: 5) == "a…", "the 3-byte € does not fit before the mark")
        #expect(MCPToolOutput.bounded("short", maxBytes: 4_000) == "short")
    }

    @Test func text_ofAnEmptyResult_saysSo() {
        #expect(MCPToolOutput.text(of: ["content": []]).output == "The tool finished and returned nothing.")
    }
}
