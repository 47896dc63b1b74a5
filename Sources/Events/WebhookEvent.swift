import Foundation
import JSON

/// One event to deliver: its `webhook-id` (the same on every attempt and after a restart, so a
/// receiver drops duplicates by it), its type, when it was made, and the exact body.
public struct WebhookEvent: Sendable, Equatable {
    /// `msg_` and 32 hex digits.
    public let id: String
    /// `call.started`, `call.ended`…
    public let type: String
    /// Unix seconds when the event was made (its age decides when retrying gives up).
    public let createdAt: Int64
    /// The JSON body, signed and sent byte for byte.
    public let body: [UInt8]

    /// Creates an event from its parts (the spool does this when it reads one back).
    public init(id: String, type: String, createdAt: Int64, body: [UInt8]) {
        self.id = id
        self.type = type
        self.createdAt = createdAt
        self.body = body
    }

    /// A new event of `type` with a fresh id: the body is the Standard Webhooks envelope
    /// `{"type","timestamp","data"}` (`timestamp` ISO 8601 with milliseconds, UTC).
    public static func make(type: String, data: JSONObject, at date: Date = Date()) -> WebhookEvent {
        let body: JSON = .object(JSONObject([("type", .string(type)), ("timestamp", .string(iso8601(date))),
                                             ("data", .object(data))]))
        return WebhookEvent(id: newID(), type: type, createdAt: Int64(date.timeIntervalSince1970.rounded(.down)),
                            body: Array(body.serialized().utf8))
    }

    /// `msg_` and 128 random bits in hex: safe in a file name and a header.
    static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        let hex = (0..<16).map { _ -> String in
            let byte = UInt8.random(in: 0...255, using: &generator)
            return String(byte >> 4, radix: 16) + String(byte & 0x0f, radix: 16)
        }
        return "msg_" + hex.joined()
    }

    static func iso8601(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}

/// The event types the bridge sends.
public enum CallEventType {
    /// A call's Media Stream started (after its `start` was admitted).
    public static let started = "call.started"
    /// A call ended: outcome, duration, usage, cost, transcript.
    public static let ended = "call.ended"
    /// A call went to a person (`transfer_call`): the target, its number, the summary whispered.
    public static let transferred = "call.transferred"
}
