import HTTPClient
import JSON

/// What the answer to one POST held (MCP "Streamable HTTP", *Sending messages to the server*):
/// the JSON-RPC response with the request's id — as one `application/json` body, or inside a
/// `text/event-stream` — and the notifications the server sent along with it.
public struct MCPReply: Equatable, Sendable {
    /// The request's `result`.
    public var result: JSON
    /// Methods of the notifications seen in the stream (`notifications/tools/list_changed`…).
    public var notifications: [String]

    /// Creates a reply.
    public init(result: JSON, notifications: [String] = []) {
        self.result = result
        self.notifications = notifications
    }

    /// Reads the answer to the request `id`. `sentSession` says whether the request carried
    /// `Mcp-Session-Id`, which turns a 404 into `sessionExpired`.
    public static func read(_ response: HTTPClientResponse, id: Int, sentSession: Bool) -> Result<MCPReply, MCPError> {
        let status = response.status
        // Streamable HTTP, session management: a 404 to a request with a session id means the
        // session ended; the client MUST start a new one.
        if status == 404 && sentSession {
            return .failure(MCPError(.sessionExpired, status: status, "the server no longer knows the session"))
        }
        let messages: [JSONRPCMessage]
        switch decode(response) {
        case .success(let decoded): messages = decoded
        case .failure(let error):
            guard (200...299).contains(status) else {
                return .failure(MCPError(.httpStatus, status: status, "the server refused the request: \(preview(response.body))"))
            }
            return .failure(error)
        }
        let notifications = messages.compactMap { message -> String? in
            if case .notification(let method, _) = message { return method }
            return nil
        }
        let answer = messages.first { $0.responseId == .number(Double(id)) }
        switch answer {
        case .result(_, let result)?:
            return .success(MCPReply(result: result, notifications: notifications))
        case .error(_, let error)?:
            return .failure(MCPError(.rpcError, status: status, error.description))
        default:
            guard (200...299).contains(status) else {
                let rpc = messages.compactMap { message -> String? in
                    if case .error(_, let error) = message { return error.description }
                    return nil
                }.first
                return .failure(MCPError(.httpStatus, status: status, "the server refused the request: \(rpc ?? preview(response.body))"))
            }
            return .failure(MCPError(.badResponse, status: status, "no JSON-RPC response with id \(id) in the answer: \(preview(response.body))"))
        }
    }

    /// The JSON-RPC messages of a body: one message (or, from an older server, a batch array)
    /// when it is JSON, the `data` of each event when it is an event stream.
    static func decode(_ response: HTTPClientResponse) -> Result<[JSONRPCMessage], MCPError> {
        let type = (response.header("content-type") ?? "").lowercased()
        if type.hasPrefix("text/event-stream") {
            let events: [SSEEvent]
            do throws(SSEParser.LineTooLong) {
                events = try SSEParser.events(in: response.body)
            } catch {
                return .failure(MCPError(.badResponse, status: response.status, "an event-stream line exceeds \(error.maxLineBytes) bytes"))
            }
            var messages: [JSONRPCMessage] = []
            for event in events where event.type == "message" && !event.data.isEmpty {
                guard let json = try? JSON.parse(event.data) else {
                    return .failure(MCPError(.badResponse, status: response.status, "an event's data is not JSON: \(preview(Array(event.data.utf8)))"))
                }
                messages += parse(json)
            }
            return .success(messages)
        }
        guard !response.body.isEmpty else { return .success([]) }
        guard let json = try? JSON.parse(response.body) else {
            return .failure(MCPError(.badResponse, status: response.status, "the body is neither JSON nor an event stream: \(preview(response.body))"))
        }
        return .success(parse(json))
    }

    private static func parse(_ json: JSON) -> [JSONRPCMessage] {
        if let items = json.arrayValue { return items.compactMap(JSONRPCMessage.init) }
        return JSONRPCMessage(json).map { [$0] } ?? []
    }

    static func preview(_ body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(200), as: UTF8.self).split(whereSeparator: \.isWhitespace).joined(separator: " ")
        return text.isEmpty ? "(empty body)" : text
    }
}
