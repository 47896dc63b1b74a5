import Calls
import Config
import Events
import HTTPClient
import JSON
import Logging
import Metrics
import Net

/// Call events (`EVENTS_URL`): the delivery, and the hooks of `CallContext` that feed it.
extension Wiring {
    /// How long the drain waits for events in flight before exiting; the rest stays spooled.
    static let eventsSettleMs: Int64 = 5_000

    /// The delivery to `EVENTS_URL` (nil when unset), with its metrics; the spool of earlier runs
    /// is resent as soon as the loop runs.
    static func eventDelivery(_ events: EventsSettings, settings: Settings, loop: EventLoop, metrics: CallMetrics,
                              log: Logger) -> EventDelivery? {
        guard let url = events.url else { return nil }
        let spool = EventSpool(directory: events.spoolDirectory) { message in log.error(message) }
        let http = HTTPClient(loop: loop, options: httpOptions(for: settings, maxResponseBytes: 64 * 1024))
        let delivery = EventDelivery(url: url, signer: StandardWebhookSigner(key: events.key), spool: spool, loop: loop,
                                     transport: { request, completion in http.send(request, completion: completion) },
                                     options: .init(backoff: EventBackoff(baseMs: events.retryBaseMs)), logger: log)
        delivery.onResult = { type, result in metrics.recordEvent(type: type, result: result.rawValue) }
        metrics.eventsSpooled = { [weak delivery] in delivery?.spooled ?? 0 }
        delivery.resumeSpooled()
        log.info("call events on", [("url", url), ("spool", events.spoolDirectory)])
        return delivery
    }

    /// As `sendCallEvents(_:to:)` for the calls of another loop: each event is handed to
    /// `delivery` on its loop (`home`), which owns the spool.
    static func sendCallEvents(_ context: inout CallContext, to delivery: EventDelivery, on home: LoopHandle) {
        // Used only on `home`'s loop, where the delivery lives.
        let delivery = HandedOver(delivery)
        var forwarded = context
        sendCallEvents(&forwarded, to: delivery.value)
        let started = HandedOver(forwarded.onCallStarted), ended = HandedOver(forwarded.onCallEnded)
        let transferred = HandedOver(forwarded.onCallTransferred)
        context.onCallStarted = { summary in home.execute { started.value?(summary) } }
        context.onCallEnded = { summary in home.execute { ended.value?(summary) } }
        context.onCallTransferred = { callSid, agent, target, to, summary in
            home.execute { transferred.value?(callSid, agent, target, to, summary) }
        }
    }

    /// Sends `call.started` and `call.ended` for the calls of `context` through `delivery`.
    static func sendCallEvents(_ context: inout CallContext, to delivery: EventDelivery) {
        context.onCallStarted = { [weak delivery] summary in
            delivery?.send(WebhookEvent.make(type: CallEventType.started, data: summary.eventData))
        }
        context.onCallEnded = { [weak delivery] summary in
            delivery?.send(WebhookEvent.make(type: CallEventType.ended, data: summary.eventData))
        }
        context.onCallTransferred = { [weak delivery] callSid, agent, target, to, summary in
            let data: JSONObject = ["call_sid": .string(callSid), "agent": agent.isEmpty ? .null : .string(agent),
                                    "target": .string(target), "to": .string(to), "summary": .string(summary)]
            delivery?.send(WebhookEvent.make(type: CallEventType.transferred, data: data))
        }
    }
}
