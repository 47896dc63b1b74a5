import JSON

/// Why a message from a GPT-Live server could not be decoded into a `LiveServerEvent`.
///
/// The session logs it and carries on: one bad event must not end a call.
public struct LiveEventError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What is wrong.
    public enum Kind: Equatable, Sendable {
        /// The text is not JSON.
        case notJSON(JSONError)
        /// The text is JSON but not an object.
        case notAnObject
        /// The object has no string `type`.
        case missingType
        /// An event of `type` lacks `field`, without which it means nothing.
        case missingField(type: String, field: String)
        /// An audio `delta` is not padded base64; `prefix` is its first characters.
        case deltaNotBase64(prefix: String)
    }

    /// What is wrong.
    public let kind: Kind

    /// An error of the given kind.
    public init(_ kind: Kind) {
        self.kind = kind
    }

    /// A sentence for the log.
    public var description: String {
        switch kind {
        case .notJSON(let error):
            return "GPT-Live server sent a message that is not JSON (\(error)); the message was ignored"
        case .notAnObject:
            return "GPT-Live server sent JSON that is not an event object; the message was ignored"
        case .missingType:
            return "GPT-Live server sent an event without a \"type\"; the message was ignored"
        case .missingField(let type, let field):
            return "GPT-Live \"\(type)\" event lacks \(field); the event was ignored"
        case .deltaNotBase64(let prefix):
            return "GPT-Live audio delta is not base64 (starts \"\(prefix)\"); the chunk was dropped"
        }
    }
}
