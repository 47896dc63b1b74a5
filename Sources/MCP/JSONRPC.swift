import JSON

/// JSON-RPC 2.0 messages as MCP sends them (MCP "Base protocol": requests carry an `id`,
/// notifications do not, and batches are not used).
public enum JSONRPCMessage: Equatable, Sendable {
    /// A request from the peer (a server may ask the client something, e.g. `ping`).
    case request(id: JSON, method: String, params: JSON?)
    /// A notification: no `id`, no answer expected.
    case notification(method: String, params: JSON?)
    /// A successful response to the request `id`.
    case result(id: JSON, result: JSON)
    /// An error response; `id` is null when the peer could not read the request's.
    case error(id: JSON, JSONRPCError)

    /// Reads one message, or nil when `json` is not a JSON-RPC 2.0 message.
    public init?(_ json: JSON) {
        guard json["jsonrpc"]?.stringValue == "2.0" else { return nil }
        let id = json["id"]
        if let method = json["method"]?.stringValue {
            if let id, !id.isNull {
                self = .request(id: id, method: method, params: json["params"])
            } else {
                self = .notification(method: method, params: json["params"])
            }
        } else if let result = json["result"], let id {
            self = .result(id: id, result: result)
        } else if let error = json["error"], let code = error["code"]?.intValue {
            self = .error(id: id ?? .null, JSONRPCError(code: code, message: error["message"]?.stringValue ?? "", data: error["data"]))
        } else {
            return nil
        }
    }

    /// The `id` of a response (result or error), nil for requests and notifications.
    public var responseId: JSON? {
        switch self {
        case .result(let id, _), .error(let id, _): id
        case .request, .notification: nil
        }
    }
}

/// A JSON-RPC error object: its code, message and optional data.
public struct JSONRPCError: Equatable, Sendable, CustomStringConvertible {
    /// The code (`-32601` method not found, `-32602` invalid params, …).
    public var code: Int
    /// The peer's message.
    public var message: String
    /// Extra data, if the peer gave any.
    public var data: JSON?

    /// Creates an error object.
    public init(code: Int, message: String, data: JSON? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    /// `message (code N)`.
    public var description: String { "\(message) (code \(code))" }
}

/// Serialization of the messages this client sends.
public enum JSONRPC {
    /// A request: `{"jsonrpc":"2.0","id":…,"method":…,"params":…}`.
    public static func request(id: Int, method: String, params: JSON? = nil) -> String {
        var object: JSONObject = ["jsonrpc": "2.0", "id": .number(Double(id)), "method": .string(method)]
        if let params { object["params"] = params }
        return JSON.object(object).serialized()
    }

    /// A notification: no `id`.
    public static func notification(method: String, params: JSON? = nil) -> String {
        var object: JSONObject = ["jsonrpc": "2.0", "method": .string(method)]
        if let params { object["params"] = params }
        return JSON.object(object).serialized()
    }
}
