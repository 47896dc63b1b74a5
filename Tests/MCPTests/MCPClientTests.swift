import HTTP
import HTTPClient
import JSON
import Net
import NetTestSupport
import Testing
import Tools
@testable import MCP

/// The client against a scripted Streamable HTTP server on loopback: what it sends, in order,
/// and what it makes of the answers.
@Suite struct MCPClientTests {
    static func sse(_ messages: String..., session: String? = nil) -> HTTPResponse {
        var headers: HTTPHeaders = ["Content-Type": "text/event-stream"]
        if let session { headers = HTTPHeaders([("Content-Type", "text/event-stream"), ("Mcp-Session-Id", session)]) }
        let body = messages.map { "event: message\ndata: \($0)\n\n" }.joined()
        return HTTPResponse(status: 200, headers: headers, body: Array(body.utf8))
    }

    static func initialized(id: Int, session: String, version: String = "2025-06-18") -> [HTTPResponse] {
        [sse(#"{"jsonrpc":"2.0","id":\#(id),"result":{"protocolVersion":"\#(version)","capabilities":{"tools":{"listChanged":true}},"serverInfo":{"name":"s","version":"1"}}}"#,
             session: session),
         HTTPResponse(status: 202)]
    }

    func rpc(_ request: HTTPRequest) -> JSON? { try? JSON.parse(request.body) }

    func toolbox(_ loop: EventLoop, port: Int, timeoutMs: Int = 2_000) -> MCPToolbox {
        MCPToolbox(servers: [MCPServerConfiguration(name: "orders", url: "http://127.0.0.1:\(port)/mcp",
                                                    headers: [("Authorization", "Bearer t-1")], timeoutMs: timeoutMs)],
                   http: HTTPClient(loop: loop), log: .init())
    }

    func run(_ tool: Tool, _ arguments: String, loop: EventLoop) -> ToolResult? {
        var result: ToolResult?
        _ = ToolRegistry([tool]).run(ToolCall(name: tool.name, callId: "c1", arguments: arguments)) { result = $0 }
        loop.run { result != nil }
        return result
    }

    @Test func discovery_initializes_followsNextCursor_andSendsTheSessionOnEveryLaterRequest() throws {
        let loop = try EventLoop()
        let server = try ScriptedHTTPServer(loop: loop, responses: Self.initialized(id: 1, session: "sess-1") + [
            .json(200, #"{"jsonrpc":"2.0","id":2,"result":{"tools":[{"name":"lookup_order","description":"Find an order.","inputSchema":{"type":"object","properties":{"order_id":{"type":"string"}}}}],"nextCursor":"page-2"}}"#),
            .json(200, #"{"jsonrpc":"2.0","id":3,"result":{"tools":[{"name":"web_search","description":"Their search."}]}}"#),
        ])
        let box = toolbox(loop, port: server.port)
        var started = false
        box.start { started = true }
        loop.run { started }

        #expect(box.tools.map(\.name) == ["lookup_order", "orders__web_search"], "web_search is a built-in's name")
        #expect(box.tools[0].parameters["properties"]?["order_id"]?["type"] == "string")
        let requests = server.requests
        #expect(requests.map { rpc($0)?["method"]?.stringValue } == ["initialize", "notifications/initialized", "tools/list", "tools/list"])
        let initialize = requests[0]
        #expect(rpc(initialize)?["params"]?["protocolVersion"] == "2025-11-25")
        #expect(initialize.head.headers["Mcp-Session-Id"] == nil && initialize.head.headers["MCP-Protocol-Version"] == nil)
        #expect(initialize.head.headers["Accept"] == "application/json, text/event-stream")
        #expect(initialize.head.headers["Content-Type"] == "application/json")
        #expect(rpc(requests[1])?["id"] == nil, "a notification")
        #expect(rpc(requests[3])?["params"]?["cursor"] == "page-2")
        for request in requests.dropFirst() {
            #expect(request.head.headers["Mcp-Session-Id"] == "sess-1")
            #expect(request.head.headers["MCP-Protocol-Version"] == "2025-06-18")
            #expect(request.head.headers["Authorization"] == "Bearer t-1")
        }
    }

    @Test func listChangedInACallsStream_refetchesTheListInTheBackground() throws {
        let loop = try EventLoop()
        let server = try ScriptedHTTPServer(loop: loop, responses: Self.initialized(id: 1, session: "s") + [
            .json(200, #"{"jsonrpc":"2.0","id":2,"result":{"tools":[{"name":"lookup_order"}]}}"#),
            Self.sse(#"{"jsonrpc":"2.0","method":"notifications/tools/list_changed"}"#,
                     #"{"jsonrpc":"2.0","id":3,"result":{"content":[{"type":"text","text":"Order 7 shipped."}]}}"#),
            .json(200, #"{"jsonrpc":"2.0","id":4,"result":{"tools":[{"name":"lookup_order"},{"name":"refund_order"}]}}"#),
        ])
        let box = toolbox(loop, port: server.port)
        var started = false
        box.start { started = true }
        loop.run { started }
        #expect(box.tools.map(\.name) == ["lookup_order"])

        let result = run(box.tools[0], #"{"order_id":"7"}"#, loop: loop)
        #expect(result == ToolResult(output: "Order 7 shipped."))
        #expect(rpc(server.requests[3])?["params"] == ["name": "lookup_order", "arguments": ["order_id": "7"]])
        loop.run { box.tools.count == 2 }
        #expect(box.tools.map(\.name) == ["lookup_order", "refund_order"])
    }

    @Test func a404OnTheSession_initializesAgainOnce_andRetries() throws {
        let loop = try EventLoop()
        let server = try ScriptedHTTPServer(loop: loop, responses: Self.initialized(id: 1, session: "old") + [
            .json(200, #"{"jsonrpc":"2.0","id":2,"result":{"tools":[{"name":"lookup_order"}]}}"#),
            .json(404, #"{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Session not found"}}"#),
        ] + Self.initialized(id: 4, session: "new") + [
            .json(200, #"{"jsonrpc":"2.0","id":5,"result":{"content":[{"type":"text","text":"ok"}]}}"#),
        ])
        let box = toolbox(loop, port: server.port)
        var started = false
        box.start { started = true }
        loop.run { started }

        #expect(run(box.tools[0], "{}", loop: loop)?.output == "ok")
        let requests = server.requests
        #expect(requests.map { rpc($0)?["method"]?.stringValue } == [
            "initialize", "notifications/initialized", "tools/list", "tools/call", "initialize", "notifications/initialized", "tools/call"])
        #expect(requests[3].head.headers["Mcp-Session-Id"] == "old")
        #expect(requests[4].head.headers["Mcp-Session-Id"] == nil, "a new session starts without the old id")
        #expect(requests[6].head.headers["Mcp-Session-Id"] == "new")
    }

    @Test func aJSONRPCError_tellsTheModelTheToolFailed_withTheServersMessage() throws {
        let loop = try EventLoop()
        let server = try ScriptedHTTPServer(loop: loop, responses: Self.initialized(id: 1, session: "s") + [
            .json(200, #"{"jsonrpc":"2.0","id":2,"result":{"tools":[{"name":"lookup_order"}]}}"#),
            .json(200, #"{"jsonrpc":"2.0","id":3,"error":{"code":-32602,"message":"Invalid arguments"}}"#),
        ])
        let box = toolbox(loop, port: server.port)
        var started = false
        box.start { started = true }
        loop.run { started }
        let result = run(box.tools[0], "{}", loop: loop)
        #expect(result?.outcome == "rpc_error")
        #expect(result?.output.hasPrefix("The tool lookup_order failed: Invalid arguments (code -32602).") == true)
    }

    @Test func anUnsupportedRevision_isRefused_andTheServerOffersNothing() throws {
        let loop = try EventLoop()
        let server = try ScriptedHTTPServer(loop: loop, responses: Self.initialized(id: 1, session: "s", version: "2024-11-05"))
        let box = toolbox(loop, port: server.port)
        var started = false
        box.start { started = true }
        loop.run { started }
        #expect(box.tools.isEmpty)
        #expect(server.requests.count == 1, "no notifications/initialized after a refused revision")
        #expect(box.clients[0].hasListed == false)
    }

    @Test func aServerThatNeverAnswers_timesOut_andTheModelIsToldTheToolIsUnavailable() throws {
        let loop = try EventLoop()
        let silent = try SilentServer(loop: loop)
        let client = MCPClient(configuration: .init(name: "slow", url: "http://127.0.0.1:\(silent.port)/mcp", timeoutMs: 200),
                               http: HTTPClient(loop: loop), log: .init())
        var outcome: Result<MCPReply, MCPError>?
        client.callTool("slow_report", arguments: [:]) { outcome = $0 }
        loop.run { outcome != nil }
        let error = try #require(outcome?.failure)
        #expect(error.kind == .timedOut)
        #expect(silent.accepted == 1)
        let result = MCPToolbox.result(.failure(error), server: "slow", tool: "slow_report", name: "slow_report",
                                       call: ToolCall(name: "slow_report", callId: "c1", arguments: "{}"), maxOutputBytes: 4_000)
        #expect(result == ToolResult(output: "The tool slow_report is unavailable right now. Tell the caller you cannot do that at the moment.",
                                     outcome: "timed_out"))
    }
}
