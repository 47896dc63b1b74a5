import Config
import HTTP
import Net
import Twilio

/// Who gets a call: only Twilio (by `X-Twilio-Signature`), only while the bridge is not draining,
/// and only up to `maxCalls` at once.
///
/// Capacity is promised at the webhook: each TwiML answered reserves a slot for
/// `reservationMs`, until its Media Stream connects, so a burst of webhooks cannot overshoot
/// `maxCalls` in the second before their streams arrive. The same reservations let a stream
/// whose webhook was answered before a drain began still connect during the drain.
///
/// Confined to the serve loop's thread.
public final class CallGate {
    /// Calls allowed at once.
    public let maxCalls: Int
    /// How long a webhook's reservation waits for its Media Stream, in milliseconds.
    public var reservationMs: Int64 = 15_000
    /// Once draining, how long reservations still wait for their streams, in milliseconds.
    /// Twilio opens the stream within a second or two of the TwiML; waiting the full
    /// `reservationMs` for one that never comes (the caller hung up) would only delay the exit.
    public var drainingReservationMs: Int64 = 5_000
    /// What the caller hears when the bridge cannot take the call.
    public var busyMessage = "Sorry, all our lines are busy right now. Please call again later."
    /// Whether a drain has begun (no new calls).
    public private(set) var isDraining = false
    let validator: TwilioRequestValidator?
    let metrics: CallMetrics
    let log: Logger
    private var reservations: [Int64] = []  // deadlines, oldest first

    /// A gate. `validator` nil accepts unsigned requests (signature validation off).
    public init(maxCalls: Int = .max, validator: TwilioRequestValidator? = nil, metrics: CallMetrics = CallMetrics(),
                logger: Logger = Logger()) {
        self.maxCalls = maxCalls
        self.validator = validator
        self.metrics = metrics
        self.log = logger
    }

    /// Webhooks answered whose stream has not connected yet (expired ones forgotten).
    public var pendingCalls: Int {
        let now = MonotonicClock.nowMs()
        reservations.removeAll(where: { $0 <= now })
        return reservations.count
    }

    /// Whether `/readyz` should say yes: not draining, and the provider not known to be down.
    public var isReady: Bool { !isDraining && !metrics.providerKnownDown }

    /// Stops admitting new calls; reservations made before still admit their streams.
    public func beginDraining() {
        isDraining = true
        let deadline = MonotonicClock.nowMs() + drainingReservationMs
        reservations = reservations.map { min($0, deadline) }
    }

    // MARK: Admission

    /// nil to answer the webhook with the stream TwiML (a slot is then reserved), or the refusal:
    /// 403 for a bad signature, busy TwiML when draining or full.
    func admitWebhook(_ request: HTTPRequest, _ info: HTTPRequestInfo, urls: [String], activeCalls: Int) -> HTTPResponse? {
        if let refusal = checkSignature(request, info, urls: urls) { return refusal }
        if isDraining {
            metrics.recordCall(outcome: "rejected_draining")
            log.info("answered busy: draining", [("path", request.head.path)])
            return busyTwiML()
        }
        if activeCalls + pendingCalls >= maxCalls {
            metrics.recordCall(outcome: "rejected_busy")
            log.warning("answered busy: at MAX_CALLS", [("max_calls", String(maxCalls)), ("active_calls", String(activeCalls)),
                                                       ("pending_calls", String(reservations.count))])
            return busyTwiML()
        }
        reservations.append(MonotonicClock.nowMs() + reservationMs)
        return nil
    }

    /// nil to accept the Media Stream upgrade (consuming a reservation if any), or the refusal:
    /// 403 for a bad signature, 503 when draining (without a reservation) or full.
    func admitMediaStream(_ request: HTTPRequest, _ info: HTTPRequestInfo, urls: [String], activeCalls: Int) -> HTTPResponse? {
        if let refusal = checkSignature(request, info, urls: urls) { return refusal }
        let reserved = pendingCalls > 0
        if isDraining && !reserved {
            metrics.recordCall(outcome: "rejected_draining")
            log.info("refused a media stream: draining", [("peer", info.peer)])
            return unavailable("draining: this bridge takes no new calls\n")
        }
        if activeCalls >= maxCalls {
            metrics.recordCall(outcome: "rejected_busy")
            log.warning("refused a media stream: at MAX_CALLS", [("max_calls", String(maxCalls)), ("peer", info.peer)])
            return unavailable("busy: MAX_CALLS calls in progress\n")
        }
        if reserved { reservations.removeFirst() }
        return nil
    }

    func checkSignature(_ request: HTTPRequest, _ info: HTTPRequestInfo, urls: [String]) -> HTTPResponse? {
        guard let validator, let failure = validator.check(request, urls: urls) else { return nil }
        metrics.recordCall(outcome: "rejected_signature")
        // Never the signature or the token; the URL shows what was checked, which is what a
        // wrong PUBLIC_URL gets wrong. Its query is left out (it may hold caller data).
        log.warning("refused a request without a valid Twilio signature", [
            ("path", request.head.path), ("peer", info.peer), ("reason", failure.description),
            ("checked_url", urls.first.map { String($0.prefix(while: { $0 != "?" })) } ?? ""),
            ("hint", "PUBLIC_URL must be the host Twilio calls, and TWILIO_AUTH_TOKEN the Auth Token of the number's account"),
        ])
        return .text(403, "forbidden: invalid or missing X-Twilio-Signature\n")
    }

    private func busyTwiML() -> HTTPResponse {
        HTTPResponse(status: 200, headers: ["Content-Type": "text/xml; charset=utf-8"],
                     body: Array(TwiML.say(busyMessage, hangUp: true).utf8))
    }

    private func unavailable(_ body: String) -> HTTPResponse {
        var response = HTTPResponse.text(503, body)
        response.headers.add("Retry-After", "5")
        return response
    }
}

@available(*, unavailable)
extension CallGate: Sendable {}
