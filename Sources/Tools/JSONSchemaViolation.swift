/// One rule of a JSON Schema that a value breaks: where, which rule, and a sentence the model can
/// act on ("'party_size' must be at most 12 (got 20)").
public struct JSONSchemaViolation: Equatable, Sendable, CustomStringConvertible {
    /// Where in the arguments: `date`, `guests[1].name`, or `arguments` for the whole object.
    public let field: String
    /// The schema keyword broken: `type`, `required`, `enum`, `maximum`, `additionalProperties`…
    public let rule: String
    /// What is wrong, naming the field and the limit.
    public let message: String

    /// Creates a violation.
    public init(field: String, rule: String, message: String) {
        self.field = field
        self.rule = rule
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
