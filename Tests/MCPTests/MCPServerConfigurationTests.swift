import Foundation
import JSON
import Testing
@testable import MCP

@Suite struct MCPServerConfigurationTests {
    let env = ["ORDERS_TOKEN": "s3cret-token-value"]
    func parse(_ text: String) throws -> MCPServerConfiguration {
        try MCPServerConfiguration.parse(path: "config/mcp/orders.json", text: text) { env[$0] }
    }
    func error(_ text: String) -> String {
        do {
            _ = try parse(text)
            return "no error"
        } catch {
            return String(describing: error)
        }
    }

    @Test func parse_readsEveryField_andResolvesVariablesInHeaders() throws {
        let server = try parse("""
            {"name": "orders", "url": "https://mcp.example.com/mcp",
             "headers": {"Authorization": "Bearer ${ORDERS_TOKEN}", "X-Tenant": "acme"},
             "allowed_tools": ["lookup_order"], "timeout_ms": 2500}
            """)
        #expect(server.name == "orders")
        #expect(server.url == "https://mcp.example.com/mcp")
        #expect(server.headers.map(\.0) == ["Authorization", "X-Tenant"])
        #expect(server.headers.map(\.1) == ["Bearer s3cret-token-value", "acme"])
        #expect(server.secrets.contains("Bearer s3cret-token-value") && server.secrets.contains("s3cret-token-value"))
        #expect(server.allowedTools == ["lookup_order"])
        #expect(server.timeoutMs == 2500)
    }

    @Test func parse_defaults_timeoutAndEveryTool() throws {
        let server = try parse(#"{"name": "local", "url": "http://127.0.0.1:8931/mcp"}"#)
        #expect(server.timeoutMs == 10_000)
        #expect(server.allowedTools == nil)
        #expect(server.headers.isEmpty)
    }

    @Test func parse_unknownField_namesFileFieldAndKnownFields() {
        let message = error(#"{"name": "orders", "url": "https://x.example/mcp", "timeout": 5}"#)
        #expect(message.hasPrefix("config/mcp/orders.json: unknown field 'timeout'"))
        #expect(message.contains("known fields: name, url, headers, allowed_tools, timeout_ms"))
    }

    @Test func parse_unsetVariable_namesFileAndVariable() {
        let message = error(#"{"name": "orders", "url": "https://x.example/mcp", "headers": {"Authorization": "Bearer ${MISSING_TOKEN}"}}"#)
        #expect(message.hasPrefix("config/mcp/orders.json: headers.Authorization"))
        #expect(message.contains("MISSING_TOKEN is not set"))
    }

    @Test func parse_refusesPlainHTTPToARemoteHost_andAcceptsLoopback() {
        #expect(error(#"{"name": "a", "url": "http://mcp.example.com/mcp"}"#).contains("http:// to a remote host"))
        #expect(error(#"{"name": "a", "url": "http://localhost:9/mcp"}"#) == "no error")
        #expect(error(#"{"name": "a", "url": "ftp://x/mcp"}"#).contains("must start with https://"))
    }

    @Test func parse_malformedJSON_namesLineAndColumn() {
        let message = error("{\"name\": \"a\",\n  \"url\": }")
        #expect(message.hasPrefix("config/mcp/orders.json: line 2, column 10"))
    }

    @Test func parse_refusesBadValues() {
        #expect(error(#"{"url": "https://x/mcp"}"#).contains("'name' must be a non-empty string"))
        #expect(error(#"{"name": "a", "url": "https://x/mcp", "timeout_ms": 5}"#).contains("'timeout_ms' must be"))
        #expect(error(#"{"name": "a", "url": "https://x/mcp", "allowed_tools": ["a", 3]}"#).contains("'allowed_tools' must be"))
        #expect(error(#"{"name": "a", "url": "https://x/mcp", "headers": {"Bad Name": "v"}}"#).contains("not a valid header name"))
        #expect(error(#"{"name": "a", "url": "https://x/mcp", "headers": {"X": "${OPEN"}}"#).contains("without a closing"))
    }

    @Test func loadDirectory_missingIsNone_andTwoFilesWithOneNameAreRefused() throws {
        #expect(try MCPServerConfiguration.loadDirectory("/nonexistent/mcp-\(UInt32.random(in: 0...UInt32.max))") { _ in nil }.isEmpty)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mcp-config-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try #"{"name": "same", "url": "https://a.example/mcp"}"#.write(toFile: dir + "/a.json", atomically: true, encoding: .utf8)
        try "not a server".write(toFile: dir + "/notes.txt", atomically: true, encoding: .utf8)
        #expect(try MCPServerConfiguration.loadDirectory(dir) { _ in nil }.map(\.name) == ["same"])
        try #"{"name": "same", "url": "https://b.example/mcp"}"#.write(toFile: dir + "/b.json", atomically: true, encoding: .utf8)
        #expect(throws: JSONFileError.self) { try MCPServerConfiguration.loadDirectory(dir) { _ in nil } }
    }
}
