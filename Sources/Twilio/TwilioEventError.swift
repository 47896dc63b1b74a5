import JSON

/// Why a WebSocket message from Twilio is not a Media Streams event the bridge can use.
///
/// A malformed event is always this error, never a crash: the call session logs it and keeps
/// the call up, since one bad message should not drop a caller.
public struct TwilioEventError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What is wrong.
    public enum Kind: Equatable, Sendable {
        /// The text is not JSON at all.
        case notJSON(JSONError)
        /// The text is JSON but not an object.
        case notAnObject
        /// The object has no string `event` member.
        case missingEvent
        /// A member the event needs is absent or not of the expected kind.
        case missingField(event: String, field: String)
        /// A number field (sent by Twilio as a string) does not hold an integer.
        case notAnInteger(event: String, field: String, value: String)
        /// `dtmf.digit` is not one key (0-9, *, #, A-D); `prefix` is its first characters.
        case notADigit(prefix: String)
        /// `media.payload` is not padded standard base64; `prefix` is its first characters.
        case payloadNotBase64(prefix: String)
    }

    /// What is wrong.
    public let kind: Kind

    /// An error of the given kind.
    /// Strings taken from the message are cut to a few dozen characters here, so that a hostile
    /// megabyte never reaches a log line through an error.
    public init(_ kind: Kind) {
        func cut(_ text: String) -> String { text.utf8.count <= 64 ? text : String(text.prefix(48)) + "…" }
        switch kind {
        case .missingField(let event, let field): self.kind = .missingField(event: cut(event), field: field)
        case .notAnInteger(let event, let field, let value):
            self.kind = .notAnInteger(event: cut(event), field: field, value: cut(value))
        case .payloadNotBase64(let prefix): self.kind = .payloadNotBase64(prefix: cut(prefix))
        case .notADigit(let prefix): self.kind = .notADigit(prefix: cut(prefix))
        default: self.kind = kind
        }
    }

    /// A sentence for the log.
    public var description: String {
        switch kind {
        case .notJSON(let error):
            return "Twilio message is not JSON (\(error)); a Media Stream sends only JSON text frames — "
                + "check that this WebSocket URL is used only by the <Stream> TwiML"
        case .notAnObject:
            return "Twilio message is JSON but not an object; Media Streams events are objects"
        case .missingEvent:
            return "Twilio message has no string \"event\" member, so it is not a Media Streams event"
        case .missingField(let event, let field):
            return "Twilio \"\(event)\" event lacks \(field); the event was ignored"
        case .notAnInteger(let event, let field, let value):
            return "Twilio \"\(event)\" event has \(field) = \(value), expected an integer; the event was ignored"
        case .notADigit(let prefix):
            return "Twilio dtmf digit \"\(prefix)\" is not one key (0-9, *, #); the event was ignored"
        case .payloadNotBase64(let prefix):
            return "Twilio media payload is not base64 (starts \"\(prefix)\"); the frame was dropped"
        }
    }
}
