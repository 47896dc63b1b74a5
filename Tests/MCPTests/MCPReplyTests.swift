import HTTPClient
import JSON
import Testing
@testable import MCP

@Suite struct MCPReplyTests {
    func response(_ status: Int, _ body: String, type: String = "application/json") -> HTTPClientResponse {
        HTTPClientResponse(status: status, body: Array(body.utf8), headers: ["content-type": type])
    }

    @Test func request_andNotification_areJSONRPC2() throws {
        let request = try JSON.parse(JSONRPC.request(id: 3, method: "tools/call", params: ["name": "x"]))
        #expect(request == ["jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": ["name": "x"]])
        let note = try JSON.parse(JSONRPC.notification(method: "notifications/initialized"))
        #expect(note == ["jsonrpc": "2.0", "method": "notifications/initialized"])
        #expect(note["id"] == nil, "a notification has no id")
    }

    @Test func message_tellsRequestsNotificationsResultsAndErrorsApart() throws {
        #expect(JSONRPCMessage(try JSON.parse(#"{"jsonrpc":"2.0","id":1,"result":{}}"#)) == .result(id: 1, result: [:]))
        #expect(JSONRPCMessage(try JSON.parse(#"{"jsonrpc":"2.0","method":"notifications/tools/list_changed"}"#))
            == .notification(method: "notifications/tools/list_changed", params: nil))
        #expect(JSONRPCMessage(try JSON.parse(#"{"jsonrpc":"2.0","id":"p","method":"ping"}"#)) == .request(id: "p", method: "ping", params: nil))
        #expect(JSONRPCMessage(try JSON.parse(#"{"jsonrpc":"2.0","id":2,"error":{"code":-32602,"message":"Unknown tool"}}"#))
            == .error(id: 2, JSONRPCError(code: -32602, message: "Unknown tool")))
        #expect(JSONRPCMessage(try JSON.parse(#"{"id":1,"result":{}}"#)) == nil, "no jsonrpc: 2.0")
    }

    @Test func read_aJSONBody() throws {
        let reply = try MCPReply.read(response(200, #"{"jsonrpc":"2.0","id":4,"result":{"tools":[]}}"#), id: 4, sentSession: true).get()
        #expect(reply.result == ["tools": []])
    }

    @Test func read_anEventStream_picksTheResponseWithTheRequestsId_andCollectsNotifications() throws {
        let stream = """
            : primed
            event: message
            data: {"jsonrpc":"2.0","method":"notifications/tools/list_changed"}

            event: message
            data: {"jsonrpc":"2.0","id":6,"result":{"other":true}}

            event: message
            data: {"jsonrpc":"2.0","id":7,
            data:  "result":{"content":[{"type":"text","text":"ok"}]}}


            """
        let reply = try MCPReply.read(response(200, stream, type: "text/event-stream; charset=utf-8"), id: 7, sentSession: true).get()
        #expect(reply.result["content"]?[0]?["text"] == "ok")
        #expect(reply.notifications == ["notifications/tools/list_changed"])
    }

    @Test func read_404WithASession_isAnExpiredSession_withoutOne_anHTTPError() {
        let body = #"{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Session not found"}}"#
        #expect(MCPReply.read(response(404, body), id: 1, sentSession: true).failure?.kind == .sessionExpired)
        let plain = MCPReply.read(response(404, body), id: 1, sentSession: false).failure
        #expect(plain?.kind == .httpStatus && plain?.status == 404)
        #expect(plain?.message.contains("Session not found") == true)
    }

    @Test func read_aJSONRPCError_andAServerError() {
        let rpc = MCPReply.read(response(200, #"{"jsonrpc":"2.0","id":2,"error":{"code":-32602,"message":"Unknown tool: x"}}"#), id: 2, sentSession: false)
        #expect(rpc.failure == MCPError(.rpcError, status: 200, "Unknown tool: x (code -32602)"))
        let server = MCPReply.read(response(503, "upstream down", type: "text/plain"), id: 2, sentSession: false).failure
        #expect(server?.kind == .httpStatus && server?.status == 503 && server?.message.contains("upstream down") == true)
        let none = MCPReply.read(response(200, #"{"jsonrpc":"2.0","id":9,"result":{}}"#), id: 2, sentSession: false).failure
        #expect(none?.kind == .badResponse)
    }

    @Test func session_acceptsTheRevisionsItSpeaks_andRefusesOthers() throws {
        for version in ["2025-11-25", "2025-06-18", "2025-03-26"] {
            let session = try MCPClient.session(from: ["protocolVersion": .string(version)], sessionId: "abc-123").get()
            #expect(session == MCPClient.Session(id: "abc-123", version: version))
        }
        let old = MCPClient.session(from: ["protocolVersion": "2024-11-05"], sessionId: nil).failure
        #expect(old?.kind == .unsupportedVersion && old?.message.contains("2024-11-05") == true)
        #expect(MCPClient.session(from: ["protocolVersion": "2026-07-28"], sessionId: nil).failure?.kind == .unsupportedVersion)
        #expect(MCPClient.session(from: [:], sessionId: nil).failure?.kind == .badResponse)
        // Streamable HTTP: a session id is visible ASCII; anything else is not sent back.
        #expect(try MCPClient.session(from: ["protocolVersion": "2025-06-18"], sessionId: "bad id\u{1}").get().id == nil)
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
