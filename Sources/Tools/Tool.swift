import JSON

/// A function the model may call: its name, what it does, the JSON Schema of its arguments, and
/// the code that runs it.
///
/// The handler runs on the call's loop thread and must not block: it starts its work (an HTTP
/// request, a timer) and calls `completion` exactly once, later or at once, on the same thread.
/// It returns a `ToolTask` whose `cancel()` stops the work; after a cancel, `completion` must not
/// be called.
public struct Tool {
    /// Runs one call; see the type's documentation for the contract.
    public typealias Handler = (_ call: ToolCall, _ completion: @escaping (ToolResult) -> Void) -> ToolTask

    /// The function's name as the model sees it (`^[a-zA-Z0-9_-]{1,64}$`).
    public let name: String
    /// When and how to use it, written for the model.
    public let description: String
    /// The JSON Schema of the arguments object.
    public let parameters: JSON
    /// The code that runs a call.
    public let handler: Handler

    /// Creates a tool.
    public init(name: String, description: String, parameters: JSON, handler: @escaping Handler) {
        precondition(Self.isValidName(name), "tool name '\(name)' must match ^[a-zA-Z0-9_-]{1,64}$")
        self.name = name
        self.description = description
        self.parameters = parameters
        self.handler = handler
    }

    /// The entry for the `tools` array of `session.update` (PROTOCOLS.md §2).
    public var definition: JSON {
        ["type": "function", "name": .string(name), "description": .string(description), "parameters": parameters]
    }

    /// Whether `name` is a valid function name for the Realtime API.
    public static func isValidName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count)
            && name.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F || $0 == 0x2D }
    }
}
