import Events
import Foundation
import JSON
import Testing

/// The body every event has: the Standard Webhooks envelope `{"type","timestamp","data"}`.
@Suite struct WebhookEventTests {
    @Test func make_wrapsTheDataInTheEnvelope() throws {
        let date = Date(timeIntervalSince1970: 1_700_000_000.25)
        let event = WebhookEvent.make(type: CallEventType.ended, data: JSONObject([("call_sid", "CA1")]), at: date)
        let body = try JSON.parse(String(decoding: event.body, as: UTF8.self))
        #expect(body.objectValue?.keys == ["type", "timestamp", "data"])
        #expect(body["type"]?.stringValue == "call.ended")
        #expect(body["timestamp"]?.stringValue == "2023-11-14T22:13:20.250Z")
        #expect(body["data"]?["call_sid"]?.stringValue == "CA1")
        #expect(event.type == "call.ended" && event.createdAt == 1_700_000_000)
    }

    @Test func ids_areFreshAndSafeInAFileName() {
        let ids = (0..<50).map { _ in WebhookEvent.make(type: "call.started", data: JSONObject()).id }
        #expect(Set(ids).count == 50)
        for id in ids {
            #expect(id.hasPrefix("msg_") && id.count == 36)
            #expect(id.dropFirst(4).allSatisfy { $0.isHexDigit })
        }
    }
}
