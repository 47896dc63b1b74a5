import Config
import Foundation
import JSON

/// One MCP server whose tools the model may call: a file `config/mcp/NAME.json` (README "Tools").
///
/// ```json
/// {"name": "orders", "url": "https://mcp.example.com/mcp",
///  "headers": {"Authorization": "Bearer ${ORDERS_MCP_TOKEN}"},
///  "allowed_tools": ["lookup_order"], "timeout_ms": 10000}
/// ```
public struct MCPServerConfiguration: Equatable, Sendable {
    /// The fields a file may hold.
    public static let knownFields = ["name", "url", "headers", "allowed_tools", "timeout_ms"]
    /// `timeout_ms` when the file has none.
    public static let defaultTimeoutMs = 10_000

    /// The server's name: in logs, and the prefix of its tools' names when they clash.
    public var name: String
    /// The Streamable HTTP endpoint: `https://`, or `http://` to a loopback host.
    public var url: String
    /// Header fields sent on every request, `${VAR}` already replaced (secrets: never logged).
    public var headers: [(String, String)]
    /// The MCP tool names offered to the model; nil offers every tool the server lists.
    public var allowedTools: [String]?
    /// Deadline of one HTTP exchange with the server.
    public var timeoutMs: Int
    /// The file it came from, for messages.
    public var path: String
    /// The values `${VAR}` put into the headers: secrets on their own too.
    public var substitutedValues: [String] = []

    /// Creates a configuration.
    public init(name: String, url: String, headers: [(String, String)] = [], allowedTools: [String]? = nil,
                timeoutMs: Int = defaultTimeoutMs, path: String = "") {
        self.name = name
        self.url = url
        self.headers = headers
        self.allowedTools = allowedTools
        self.timeoutMs = timeoutMs
        self.path = path
    }

    /// The header values and the variables' values in them, to register as log secrets.
    public var secrets: [String] { headers.map(\.1) + substitutedValues }

    public static func == (lhs: MCPServerConfiguration, rhs: MCPServerConfiguration) -> Bool {
        lhs.name == rhs.name && lhs.url == rhs.url && lhs.headers.elementsEqual(rhs.headers, by: { $0 == $1 })
            && lhs.allowedTools == rhs.allowedTools && lhs.timeoutMs == rhs.timeoutMs && lhs.path == rhs.path
    }

    /// Reads one file's text; `variable` looks up `${VAR}` (the process environment over `.env`).
    /// - Throws: `JSONFileError` naming the file and the field, line or variable at fault.
    public static func parse(path: String, text: String,
                             variable: (String) -> String?) throws(JSONFileError) -> MCPServerConfiguration {
        let file = try JSONFile(path: path, text: text)
        let object = try file.object(known: knownFields)
        func fail(_ message: String) -> JSONFileError { JSONFileError(path: path, message: message) }

        guard let name = object["name"]?.stringValue, !name.isEmpty else {
            throw fail("'name' must be a non-empty string, such as \"orders\"")
        }
        guard let url = object["url"]?.stringValue else {
            throw fail("'url' must be a string, such as \"https://mcp.example.com/mcp\"")
        }
        do {
            _ = try Settings.parseAPIBaseURL(url, variable: "url", example: "https://mcp.example.com/mcp")
        } catch let error as ConfigError {
            throw fail(error.description)
        } catch {
            throw fail("url: \(error)")
        }

        var headers: [(String, String)] = []
        var substituted: [String] = []
        let recording = { (name: String) -> String? in
            let value = variable(name)
            if let value { substituted.append(value) }
            return value
        }
        if let value = object["headers"] {
            guard let members = value.objectValue else { throw fail("'headers' must be an object of {\"Name\": \"value\"}") }
            for (key, value) in members {
                guard isToken(key) else { throw fail("headers: '\(key)' is not a valid header name") }
                guard let text = value.stringValue else { throw fail("headers: '\(key)' must be a string") }
                let resolved = try expand(text, variable: recording, field: "headers." + key, path: path)
                guard !resolved.contains(where: { $0 == "\r" || $0 == "\n" }) else {
                    throw fail("headers: '\(key)' must not contain a line break")
                }
                headers.append((key, resolved))
            }
        }

        var allowed: [String]?
        if let value = object["allowed_tools"] {
            let items = value.arrayValue ?? [nil]
            let names = items.compactMap(\.stringValue)
            guard names.count == items.count else {
                throw fail("'allowed_tools' must be an array of tool names, such as [\"lookup_order\"]")
            }
            allowed = names
        }

        var timeoutMs = defaultTimeoutMs
        if let value = object["timeout_ms"] {
            guard let ms = value.intValue, (100...120_000).contains(ms) else {
                throw fail("'timeout_ms' must be a whole number of milliseconds from 100 to 120000")
            }
            timeoutMs = ms
        }
        var server = MCPServerConfiguration(name: name, url: url, headers: headers, allowedTools: allowed,
                                            timeoutMs: timeoutMs, path: path)
        server.substitutedValues = substituted
        return server
    }

    /// Every `*.json` file of `directory`, in name order; a missing directory means no servers.
    /// - Throws: `JSONFileError` for an unreadable or invalid file, or two files with one name.
    public static func loadDirectory(_ directory: String,
                                     variable: (String) -> String?) throws(JSONFileError) -> [MCPServerConfiguration] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else { return [] }
        guard isDirectory.boolValue else { throw JSONFileError(path: directory, message: "MCP_DIR must name a directory") }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".json") }.sorted()
        } catch {
            throw JSONFileError(path: directory, message: "cannot list the directory (\(error.localizedDescription))")
        }
        var servers: [MCPServerConfiguration] = []
        for name in names {
            let path = directory + "/" + name
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw JSONFileError(path: path, message: "cannot read the file (\(error.localizedDescription))")
            }
            let server = try parse(path: path, text: text, variable: variable)
            if let other = servers.first(where: { $0.name == server.name }) {
                throw JSONFileError(path: path, message: "the name '\(server.name)' is already used by \(other.path); give each server its own name")
            }
            servers.append(server)
        }
        return servers
    }

    /// `text` with each `${VAR}` replaced by the variable's value.
    /// - Throws: naming the file, the field and the variable when it is unset or `${` is not closed.
    static func expand(_ text: String, variable: (String) -> String?, field: String,
                       path: String) throws(JSONFileError) -> String {
        var result = ""
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            result += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else {
                throw JSONFileError(path: path, message: "\(field): '${' without a closing '}'")
            }
            let name = String(rest[start.upperBound..<end])
            guard let value = variable(name) else {
                throw JSONFileError(path: path, message: "\(field): the environment variable \(name) is not set — "
                    + "set it in the environment or .env")
            }
            result += value
            rest = rest[rest.index(after: end)...]
        }
        return result + rest
    }

    /// Whether `name` is an HTTP field name (RFC 9110 §5.1: a token).
    static func isToken(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}
