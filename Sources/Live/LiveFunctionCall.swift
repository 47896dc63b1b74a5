/// A function call of the Responses backend, read from a `response.event` that wraps a
/// `response.output_item.done` whose item is a `function_call` (GPT-LIVE.md "What a Twilio
/// bridge must do", 5). Answer it with `LiveClientEvent.functionCallOutput(callId:output:)`,
/// then, once every call of the response is answered, one `LiveClientEvent.responseCreate()`.
public struct LiveFunctionCall: Equatable, Sendable {
    /// `call_id`: what the output must name.
    public var callId: String
    /// The function's name.
    public var name: String
    /// The arguments, a JSON *string* as the model wrote it.
    public var arguments: String
    /// The Live delegation the call belongs to (the outer `delegation_id`), if given.
    public var delegationId: String?

    /// A call with the given parts.
    public init(callId: String, name: String, arguments: String, delegationId: String? = nil) {
        self.callId = callId
        self.name = name
        self.arguments = arguments
        self.delegationId = delegationId
    }
}
