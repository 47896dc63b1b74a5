import Events
import Foundation
import HTTPClient
import Logging
import Net
import NetTestSupport
import Testing

/// Delivery on a hand-moved clock: 2xx removes, anything else retries with the same id and a fresh
/// timestamp and signature, at most four at once, dropped past the age limit.
@Suite struct EventDeliveryTests {
    final class Receiver {
        var requests: [HTTPClientRequest] = []
        var pending: [HTTPClient.Completion] = []

        func answer(_ status: Int) {
            pending.removeFirst()(.success(HTTPClientResponse(status: status, body: [])))
        }

        func refuse() {
            pending.removeFirst()(.failure(HTTPClientError(.connectFailed, "connection refused")))
        }

        func header(_ name: String, of n: Int) -> String? { requests[n].headers.first { $0.0 == name }?.1 }
    }

    final class Harness {
        let clock = ManualClock()
        let loop: EventLoop
        let receiver = Receiver()
        let delivery: EventDelivery
        let spool: EventSpool
        var unixTime: Int64 = 1_700_000_000
        var results: [String] = []

        init(backoff: EventBackoff = EventBackoff()) throws {
            loop = try EventLoop(clock: .manual(clock))
            spool = EventSpool(directory: NSTemporaryDirectory() + "event-delivery-" + UUID().uuidString) { Issue.record("\($0)") }
            let receiver = self.receiver
            var now: () -> Int64 = { 0 }
            delivery = EventDelivery(url: "https://hooks.example.com/x", signer: StandardWebhookSigner(key: Array(repeating: 1, count: 32)),
                                     spool: spool, loop: loop,
                                     transport: { request, completion in
                                         receiver.requests.append(request)
                                         receiver.pending.append(completion)
                                     },
                                     options: .init(backoff: backoff), unixTime: { now() },
                                     logger: Logger())
            now = { [unowned self] in self.unixTime }
            delivery.onResult = { [unowned self] type, result in self.results.append("\(type) \(result.rawValue)") }
        }

        func spooledFiles() -> [String] {
            spool.sync()
            return ((try? FileManager.default.contentsOfDirectory(atPath: spool.directory)) ?? []).sorted()
        }

        /// Moves the clock past any retry the backoff can choose.
        func passRetry(_ backoff: EventBackoff = EventBackoff(), attempt: Int) {
            clock.advance(ms: backoff.boundMs(attempt: attempt) + 1)
            loop.runOnce(maxWaitMs: 0)
        }
    }

    @Test func a2xx_deliversAndRemovesTheSpooledFile() throws {
        let h = try Harness()
        h.delivery.send(WebhookEvent.make(type: "call.started", data: .init()))
        #expect(h.receiver.requests.count == 1 && h.delivery.spooled == 1)
        #expect(h.spooledFiles().count == 1)
        h.receiver.answer(204)
        #expect(h.delivery.spooled == 0 && h.spooledFiles().isEmpty)
        #expect(h.results == ["call.started delivered"])
    }

    @Test func a500_isRetriedWithTheSameId_aNewTimestamp_andAValidSignature() throws {
        let h = try Harness()
        let event = WebhookEvent.make(type: "call.ended", data: .init())
        h.delivery.send(event)
        h.receiver.answer(500)
        #expect(h.results == ["call.ended retried"] && h.spooledFiles().count == 1)
        h.unixTime += 7
        h.passRetry(attempt: 0)
        #expect(h.receiver.requests.count == 2)
        #expect(h.receiver.header("webhook-id", of: 0) == event.id && h.receiver.header("webhook-id", of: 1) == event.id)
        #expect(h.receiver.header("webhook-timestamp", of: 0) == "1700000000")
        #expect(h.receiver.header("webhook-timestamp", of: 1) == "1700000007")
        let signer = StandardWebhookSigner(key: Array(repeating: 1, count: 32))
        #expect(h.receiver.header("webhook-signature", of: 1) == signer.signature(id: event.id, timestamp: 1_700_000_007, body: event.body))
        #expect(h.receiver.requests[1].body == event.body)
        h.receiver.answer(200)
        #expect(h.results == ["call.ended retried", "call.ended delivered"] && h.spooledFiles().isEmpty)
    }

    @Test func retries_waitNoLongerThanTheBackoffBound() throws {
        let h = try Harness()
        h.delivery.send(WebhookEvent.make(type: "call.ended", data: .init()))
        for attempt in 0..<5 {
            h.receiver.refuse()
            #expect(h.receiver.pending.isEmpty, "waiting for the retry timer")
            h.passRetry(attempt: attempt)
            #expect(h.receiver.requests.count == attempt + 2)
        }
    }

    @Test func atMostFourDeliveriesRunAtOnce() throws {
        let h = try Harness()
        for _ in 0..<6 { h.delivery.send(WebhookEvent.make(type: "call.started", data: .init())) }
        #expect(h.receiver.requests.count == 4 && h.delivery.inFlight == 4)
        h.receiver.answer(200)
        #expect(h.receiver.requests.count == 5)
        while !h.receiver.pending.isEmpty { h.receiver.answer(200) }
        #expect(h.receiver.requests.count == 6 && h.delivery.spooled == 0)
    }

    @Test func anEventPastItsAge_isDropped_andLeavesTheSpool() throws {
        let h = try Harness()
        h.delivery.send(WebhookEvent(id: "msg_old", type: "call.ended", createdAt: h.unixTime, body: Array("{}".utf8)))
        h.unixTime += 86_400
        h.receiver.answer(503)
        #expect(h.results == ["call.ended dropped"] && h.delivery.spooled == 0 && h.spooledFiles().isEmpty)
        h.passRetry(attempt: 30)
        #expect(h.receiver.requests.count == 1, "no retry after a drop")
    }

    @Test func resumeSpooled_sendsWhatAnEarlierRunLeft_oldestFirst() throws {
        let h = try Harness()
        let earlier = EventSpool(directory: h.spool.directory) { Issue.record("\($0)") }
        earlier.write(WebhookEvent(id: "msg_b", type: "call.ended", createdAt: h.unixTime, body: Array("{\"b\":1}".utf8)), nowMs: 2)
        earlier.write(WebhookEvent(id: "msg_a", type: "call.started", createdAt: h.unixTime, body: Array("{\"a\":1}".utf8)), nowMs: 1)
        earlier.sync()
        var resumed: Int?
        h.delivery.resumeSpooled { resumed = $0 }
        #expect(h.loop.spin(until: { resumed != nil }, wallMs: 2_000))
        #expect(resumed == 2 && h.delivery.spooled == 2)
        #expect(h.receiver.requests.map { String(decoding: $0.body, as: UTF8.self) } == ["{\"a\":1}", "{\"b\":1}"])
        h.receiver.answer(200)
        h.receiver.answer(200)
        #expect(h.spooledFiles().isEmpty)
    }

    @Test func settle_waitsForDeliveriesInFlight_boundedByItsLimit() throws {
        let h = try Harness()
        h.delivery.send(WebhookEvent.make(type: "call.ended", data: .init()))
        var settled = false
        h.delivery.settle(maxMs: 5_000) { settled = true }
        h.clock.advance(ms: 100)
        h.loop.runOnce(maxWaitMs: 0)
        #expect(!settled)
        h.receiver.answer(200)
        h.clock.advance(ms: 20)
        h.loop.runOnce(maxWaitMs: 0)
        #expect(settled)

        h.delivery.send(WebhookEvent.make(type: "call.ended", data: .init()))
        var gaveUp = false
        h.delivery.settle(maxMs: 5_000) { gaveUp = true }
        for _ in 0..<260 {
            h.clock.advance(ms: 20)
            h.loop.runOnce(maxWaitMs: 0)
        }
        #expect(gaveUp && h.delivery.inFlight == 1 && h.spooledFiles().count == 1, "left spooled for the next start")
    }
}
