import Logging
import JSON

/// One function call the model made: which tool, its `call_id`, and the arguments it wrote.
public struct ToolCall: Sendable {
    /// The function's name (`web_search`, `hang_up`…).
    public let name: String
    /// The provider's `call_id`, echoed in the `function_call_output`.
    public let callId: String
    /// The arguments exactly as the model wrote them: a JSON *string* (PROTOCOLS.md §2).
    public let arguments: String
    /// The call's logger (`call=CA…`), for lines about this tool run.
    public let log: Logger

    /// Creates a call.
    public init(name: String, callId: String, arguments: String, log: Logger = Logger()) {
        self.name = name
        self.callId = callId
        self.arguments = arguments
        self.log = log
    }

    /// The arguments as a JSON object, or nil when they are not one (an empty string counts as
    /// `{}`: models send that for tools without parameters).
    public var argumentObject: JSONObject? {
        if arguments.allSatisfy(\.isWhitespace) { return JSONObject() }
        return (try? JSON.parse(arguments))?.objectValue
    }

    /// The string argument `name`, trimmed, or nil when it is absent, not a string, or blank.
    public func stringArgument(_ name: String) -> String? {
        guard let value = argumentObject?[name]?.stringValue else { return nil }
        let trimmed = value.collapsingWhitespace()
        return trimmed.isEmpty ? nil : trimmed
    }
}
