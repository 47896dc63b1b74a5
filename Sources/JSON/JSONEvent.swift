/// An event a peer sends as one JSON text frame (Twilio's Media Streams, the Realtime and
/// GPT-Live services), decoded from the frame's UTF-8 bytes without copying them.
///
/// A type supplies `decode(_: UnsafeRawBufferPointer)`; the byte-array and string forms (for
/// tests and tools) come from here, so the three protocols do not each repeat them.
public protocol JSONEvent {
    /// Why a frame is not an event of this protocol.
    associatedtype DecodeError: Error
    /// Decodes one text frame given as UTF-8 bytes.
    static func decode(_ text: UnsafeRawBufferPointer) throws(DecodeError) -> Self
}

extension JSONEvent {
    /// Decodes one text frame given as UTF-8 bytes; see `decode(_: UnsafeRawBufferPointer)`.
    public static func decode(_ text: [UInt8]) throws(DecodeError) -> Self {
        let result = text.withUnsafeBytes { raw in
            Result { () throws(DecodeError) -> Self in try decode(raw) }
        }
        return try result.get()
    }

    /// Decodes one text frame; see `decode(_: UnsafeRawBufferPointer)`.
    public static func decode(_ text: String) throws(DecodeError) -> Self {
        var text = text
        let result = text.withUTF8 { utf8 in
            Result { () throws(DecodeError) -> Self in try decode(UnsafeRawBufferPointer(utf8)) }
        }
        return try result.get()
    }
}

/// Names the service whose events a `ServerEventError` is about, in the sentence it logs.
public protocol ServerEventSource {
    /// "Realtime", "GPT-Live".
    static var name: String { get }
}

/// Why a message from a speech service could not be decoded into one of its events.
///
/// The session logs it and carries on: one bad event must not end a call.
public struct ServerEventError<Source: ServerEventSource>: Error, CustomStringConvertible, Equatable, Sendable {
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
        let name = Source.name
        switch kind {
        case .notJSON(let error):
            return "\(name) server sent a message that is not JSON (\(error)); the message was ignored"
        case .notAnObject:
            return "\(name) server sent JSON that is not an event object; the message was ignored"
        case .missingType:
            return "\(name) server sent an event without a \"type\"; the message was ignored"
        case .missingField(let type, let field):
            return "\(name) \"\(type)\" event lacks \(field); the event was ignored"
        case .deltaNotBase64(let prefix):
            return "\(name) audio delta is not base64 (starts \"\(prefix)\"); the chunk was dropped"
        }
    }
}
