import Glibc
import HTTPClient
import Logging
import Net

/// Delivers events to one receiver: each is spooled first, POSTed with fresh Standard Webhooks
/// headers on every attempt (same `webhook-id`, the attempt's own `webhook-timestamp`), removed
/// from the spool after a 2xx, and otherwise retried with `EventBackoff` until it is
/// `maxAgeSeconds` old, then dropped (logged).
///
/// Runs on the loop thread, off the audio path: a POST is a libcurl transfer on the loop's
/// epoll, the spool writes on its own queue, and at most `maxInFlight` deliveries run at once.
public final class EventDelivery {
    /// Sends one request; `HTTPClient.send` in production, a script in tests.
    public typealias Transport = (HTTPClientRequest, @escaping HTTPClient.Completion) -> Void

    /// Delivery settings.
    public struct Options: Sendable {
        /// Deliveries in flight at once (default 4); the others wait their turn.
        public var maxInFlight: Int
        /// Deadline of one attempt, in milliseconds (default 10 s).
        public var timeoutMs: Int
        /// When to retry, and when to give up.
        public var backoff: EventBackoff

        /// Creates options.
        public init(maxInFlight: Int = 4, timeoutMs: Int = 10_000, backoff: EventBackoff = EventBackoff()) {
            self.maxInFlight = maxInFlight
            self.timeoutMs = timeoutMs
            self.backoff = backoff
        }
    }

    /// What became of one attempt, for `voice_bridge_events_total{result}`.
    public enum Result: String, Sendable {
        /// The receiver answered 2xx.
        case delivered
        /// It did not; the event waits for another attempt.
        case retried
        /// It did not, and the event is too old to try again.
        case dropped
    }

    private final class Pending {
        let event: WebhookEvent
        let fileName: String
        var attempts = 0

        init(event: WebhookEvent, fileName: String) {
            self.event = event
            self.fileName = fileName
        }
    }

    /// The spool the events wait in.
    public let spool: EventSpool
    private let url: String
    private let signer: StandardWebhookSigner
    private let loop: EventLoop
    private let transport: Transport
    private let options: Options
    private let unixTime: () -> Int64
    private let log: Logger
    private var random = SystemRandomNumberGenerator()
    private var ready: [Pending] = []
    private var retryTimers: [ObjectIdentifier: LoopTimer] = [:]

    /// Deliveries whose answer has not come.
    public private(set) var inFlight = 0
    /// Events spooled and not yet delivered or dropped (`voice_bridge_events_spooled`).
    public private(set) var spooled = 0
    /// Hears each attempt's result with the event's type (metrics).
    public var onResult: ((_ type: String, _ result: Result) -> Void)?

    /// A delivery to `url` signed by `signer`, spooled in `spool`, sent through `transport` on
    /// `loop`. `unixTime` gives the wall clock for `webhook-timestamp` and the age limit.
    public init(url: String, signer: StandardWebhookSigner, spool: EventSpool, loop: EventLoop,
                transport: @escaping Transport, options: Options = Options(),
                unixTime: @escaping () -> Int64 = { Int64(time(nil)) }, logger: Logger) {
        self.url = url
        self.signer = signer
        self.spool = spool
        self.loop = loop
        self.transport = transport
        self.options = options
        self.unixTime = unixTime
        self.log = logger
    }

    /// Spools `event` and sends it as soon as a delivery slot is free.
    public func send(_ event: WebhookEvent) {
        let name = spool.write(event)
        spooled += 1
        ready.append(Pending(event: event, fileName: name))
        pump()
    }

    /// Reads the spool left by earlier runs and sends it, oldest first, ahead of new events;
    /// `completion` runs on the loop with how many there were.
    public func resumeSpooled(_ completion: ((Int) -> Void)? = nil) {
        // Safe: both are used only inside `handle.execute`, on the loop thread that owns them.
        nonisolated(unsafe) let owner = self
        nonisolated(unsafe) let completion = completion
        let handle = loop.handle
        spool.load { entries in
            handle.execute {
                owner.resume(entries)
                completion?(entries.count)
            }
        }
    }

    private func resume(_ entries: [EventSpool.Entry]) {
        guard !entries.isEmpty else { return }
        log.info("sending call events spooled by an earlier run", [("events", String(entries.count)), ("spool", spool.directory)])
        spooled += entries.count
        ready.insert(contentsOf: entries.map { Pending(event: $0.event, fileName: $0.fileName) }, at: 0)
        pump()
    }

    /// Calls `done` once no delivery is in flight or waiting for a slot, or after `maxMs`:
    /// whatever is left stays spooled for the next start. For the drain before exit.
    public func settle(maxMs: Int64, then done: @escaping () -> Void) {
        let deadline = loop.currentTimeMs() + maxMs
        var check: (() -> Void)!
        check = { [weak self] in
            guard let self else { return done() }
            let now = self.loop.currentTimeMs()
            if self.inFlight == 0 && self.ready.isEmpty || now >= deadline {
                if self.spooled > 0 {
                    self.log.info("call events not yet delivered stay spooled; they are sent at the next start",
                                  [("events", String(self.spooled)), ("in_flight", String(self.inFlight)), ("spool", self.spool.directory)])
                }
                check = nil
                return done()
            }
            self.loop.schedule(afterMs: 20) { check?() }
        }
        check()
    }

    private func pump() {
        while inFlight < options.maxInFlight, !ready.isEmpty {
            attempt(ready.removeFirst())
        }
    }

    private func attempt(_ pending: Pending) {
        inFlight += 1
        let event = pending.event
        let headers = signer.headers(id: event.id, timestamp: unixTime(), body: event.body)
        let request = HTTPClientRequest(method: "POST", url: url,
                                        headers: [("Content-Type", "application/json")] + headers,
                                        body: event.body, timeoutMs: options.timeoutMs)
        transport(request) { [weak self] result in
            guard let self else { return }
            self.inFlight -= 1
            self.finished(pending, result)
            self.pump()
        }
    }

    private func finished(_ pending: Pending, _ result: Swift.Result<HTTPClientResponse, HTTPClientError>) {
        let event = pending.event
        let failure: String
        switch result {
        case .success(let response) where (200..<300).contains(response.status):
            spool.remove(fileName: pending.fileName)
            spooled -= 1
            log.debug("call event delivered", [("event", event.type), ("webhook_id", event.id),
                                               ("attempts", String(pending.attempts + 1)), ("ms", String(response.elapsedMs))])
            onResult?(event.type, .delivered)
            return
        case .success(let response):
            failure = "HTTP \(response.status)"
        case .failure(let error):
            failure = error.description
        }
        let age = unixTime() - event.createdAt
        if age >= options.backoff.maxAgeSeconds {
            spool.remove(fileName: pending.fileName)
            spooled -= 1
            log.error("call event dropped: not delivered within its retry window", [
                ("event", event.type), ("webhook_id", event.id), ("attempts", String(pending.attempts + 1)),
                ("age_s", String(age)), ("error", failure), ("url", url)])
            onResult?(event.type, .dropped)
            return
        }
        let delay = options.backoff.delayMs(attempt: pending.attempts, using: &random)
        pending.attempts += 1
        log.warning("call event not delivered; retrying", [
            ("event", event.type), ("webhook_id", event.id), ("attempt", String(pending.attempts)), ("error", failure),
            ("retry_in_ms", String(delay)), ("url", url),
            ("hint", "the receiver must answer 2xx; the event stays spooled in \(spool.directory) until it does")])
        onResult?(event.type, .retried)
        let key = ObjectIdentifier(pending)
        retryTimers[key] = loop.schedule(afterMs: delay) { [weak self] in
            guard let self else { return }
            self.retryTimers[key] = nil
            self.ready.append(pending)
            self.pump()
        }
    }
}

@available(*, unavailable)
extension EventDelivery: Sendable {}
