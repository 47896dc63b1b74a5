import Foundation
import Metrics
import Calls
import Logging
import HTTP
import Net
import Providers
import Twilio
#if canImport(Glibc)
import Glibc
#endif

/// Who gets a call: only Twilio (by `X-Twilio-Signature`), only while the bridge is not draining,
/// and only up to `maxCalls` at once.
///
/// Capacity is promised at the webhook: each TwiML answered reserves a slot for
/// `reservationMs`, until its Media Stream connects, so a burst of webhooks cannot overshoot
/// `maxCalls` in the second before their streams arrive. The same reservations let a stream
/// whose webhook was answered before a drain began still connect during the drain.
///
/// The webhooks and upgrades are checked on the listener's loop; a `start` is admitted on the
/// loop that carries its stream (`EVENT_LOOPS`), so the reservations, tokens and draining flag are
/// guarded by a lock. The refusal counters and their log lines stay on the listener's loop.
public final class CallGate: @unchecked Sendable {
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
    public var isDraining: Bool { lock.withLock { draining } }
    private var draining = false
    private let lock = NSLock()
    let validator: TwilioRequestValidator?
    /// Makes the per-call stream tokens of our TwiML; checks them at `start` when `validator` is
    /// set (development mode, signatures off, accepts streams without one).
    public var streamTokens: StreamToken?
    /// Most upgraded Media Streams that have not sent `start` yet; one more upgrade gets 503.
    public var maxAwaitingStart = 64
    let metrics: CallMetrics
    let log: Logger
    /// Reservations by CallSid: the deadline by which the call's stream must start.
    private var reservations: [String: Int64] = [:]
    /// Single-use stream tokens seen, until they expire (Unix seconds).
    private var usedTokens: [String: Int64] = [:]
    /// Requests refused for their signature since the last warning line, and when it was written.
    private var unsignedSinceLog = 0
    private var unsignedTotal = 0
    private var lastUnsignedLogMs: Int64?
    /// The serve loop's clock (reservations expire by it).
    private let clock: LoopClock

    /// A gate. `validator` nil accepts unsigned requests (signature validation off).
    public init(maxCalls: Int = .max, validator: TwilioRequestValidator? = nil, metrics: CallMetrics = CallMetrics(),
                logger: Logger = Logger(), clock: LoopClock = .monotonic) {
        self.clock = clock
        self.maxCalls = maxCalls
        self.validator = validator
        self.metrics = metrics
        self.log = logger
    }

    /// Webhooks answered whose stream has not started yet (expired ones forgotten).
    public var pendingCalls: Int {
        lock.withLock {
            expireReservations()
            return reservations.count
        }
    }

    private func expireReservations() {
        let now = clock.nowMs()
        if reservations.values.contains(where: { $0 <= now }) { reservations = reservations.filter { $0.value > now } }
    }

    /// Whether `/readyz` should say yes: not draining, and the provider (`providers`' health) not
    /// known to be down.
    public func isReady(providers: ProviderPool) -> Bool { !isDraining && !providers.isKnownDown() }

    /// Stops admitting new calls; reservations made before still admit their streams.
    public func beginDraining() {
        let deadline = clock.nowMs() + drainingReservationMs
        lock.withLock {
            draining = true
            reservations = reservations.mapValues { min($0, deadline) }
        }
    }

    // MARK: Admission

    /// nil to answer a webhook whose signature was checked (`checkSignature`) with the stream
    /// TwiML (a slot is then reserved for its CallSid, once however often the webhook is
    /// replayed), or the refusal: busy TwiML when draining or full.
    func admitWebhook(_ request: HTTPRequest, activeCalls: Int, callSid: String?) -> HTTPResponse? {
        enum Verdict { case admitted, draining, full(pending: Int) }
        let verdict: Verdict = lock.withLock {
            expireReservations()
            if let callSid, reservations[callSid] != nil {
                return .admitted  // a retry or a replay of a webhook already answered: the same slot
            }
            if draining { return .draining }
            if activeCalls + reservations.count >= maxCalls { return .full(pending: reservations.count) }
            if let callSid, !callSid.isEmpty { reservations[callSid] = clock.nowMs() + reservationMs }
            return .admitted
        }
        switch verdict {
        case .admitted:
            return nil
        case .draining:
            metrics.recordCall(outcome: "rejected_draining")
            log.info("answered busy: draining", [("path", request.head.path)])
            return busyTwiML()
        case .full(let pending):
            metrics.recordCall(outcome: "rejected_busy")
            log.warning("answered busy: at MAX_CALLS", [("max_calls", String(maxCalls)), ("active_calls", String(activeCalls)),
                                                       ("pending_calls", String(pending))])
            return busyTwiML()
        }
    }

    /// nil to accept the Media Stream upgrade, or the refusal: 403 for a bad signature, 503 when
    /// draining (with no stream expected), full, or with too many streams not started yet. The
    /// call's slot is taken at `start` (`admitStart`), once its CallSid is known.
    func admitMediaStream(_ request: HTTPRequest, _ info: HTTPRequestInfo, urls: [String], activeCalls: Int,
                          awaitingStart: Int) -> HTTPResponse? {
        if let refusal = checkSignature(request, info, urls: urls) { return refusal }
        let (isDraining, pendingCalls) = lock.withLock { () -> (Bool, Int) in
            expireReservations()
            return (draining, reservations.count)
        }
        if isDraining && pendingCalls == 0 {
            metrics.recordCall(outcome: "rejected_draining")
            log.info("refused a media stream: draining", [("peer", info.peer)])
            return unavailable("draining: this bridge takes no new calls\n")
        }
        if activeCalls >= maxCalls && pendingCalls == 0 {
            metrics.recordCall(outcome: "rejected_busy")
            log.warning("refused a media stream: at MAX_CALLS", [("max_calls", String(maxCalls)), ("peer", info.peer)])
            return unavailable("busy: MAX_CALLS calls in progress\n")
        }
        if awaitingStart >= maxAwaitingStart {
            metrics.recordCall(outcome: "rejected_busy")
            log.warning("refused a media stream: too many streams have not sent start yet",
                        [("limit", String(maxAwaitingStart)), ("peer", info.peer)])
            return unavailable("busy: too many streams waiting to start\n")
        }
        return nil
    }

    /// Admits a stream's `start` for `callSid` with `parameters`, when `startedCalls` calls are
    /// already running: its token must be valid (when signatures are checked), and it takes the
    /// call's reservation, or a free slot. nil when admitted.
    func admitStart(callSid: String, parameters: [String: String], startedCalls: Int) -> StartRefusal? {
        lock.withLock { admitStartLocked(callSid: callSid, parameters: parameters, startedCalls: startedCalls) }
    }

    private func admitStartLocked(callSid: String, parameters: [String: String], startedCalls: Int) -> StartRefusal? {
        if validator != nil {
            guard let tokens = streamTokens else {
                return StartRefusal(code: 1008, reason: "no stream token key", outcome: "rejected_token",
                                    cause: "signatures are checked but no token key is configured")
            }
            let now = Int64(time(nil))
            switch tokens.verify(callSid: callSid, parameters: parameters, now: now) {
            case .failure(let failure):
                return StartRefusal(code: 1008, reason: "invalid stream token", outcome: "rejected_token", cause: failure.description)
            case .success(let verified):
                if let key = verified.singleUseKey {
                    if usedTokens.count > 64 { usedTokens = usedTokens.filter { $0.value > now } }
                    if usedTokens[key] != nil {
                        return StartRefusal(code: 1008, reason: "invalid stream token", outcome: "rejected_token",
                                            cause: StreamToken.Failure.reused.description)
                    }
                    usedTokens[key] = verified.expiresAt
                }
            }
        }
        if reservations.removeValue(forKey: callSid) != nil { return nil }
        expireReservations()
        if draining {
            return StartRefusal(code: 1001, reason: "draining", outcome: "rejected_draining",
                                cause: "draining, and this call's webhook was not answered here")
        }
        if startedCalls + reservations.count >= maxCalls {
            return StartRefusal(code: 1013, reason: "busy", outcome: "rejected_busy", cause: "at MAX_CALLS")
        }
        return nil
    }

    func checkSignature(_ request: HTTPRequest, _ info: HTTPRequestInfo, urls: [String]) -> HTTPResponse? {
        guard let validator, let failure = validator.check(request, urls: urls) else { return nil }
        metrics.recordCall(outcome: "rejected_signature")
        unsignedSinceLog += 1
        unsignedTotal += 1
        // One line a second at most, however many arrive: each names the latest and counts the rest.
        let now = clock.nowMs()
        if lastUnsignedLogMs.map({ now - $0 >= 1_000 }) ?? true {
            // Never the signature or the token; the URL shows what was checked, which is what a
            // wrong PUBLIC_URL gets wrong. Its query is left out (it may hold caller data).
            log.warning("refused a request without a valid Twilio signature", [
                ("path", String(request.head.path.prefix(100))), ("peer", info.peer), ("reason", failure.description),
                ("checked_url", urls.first.map { String($0.prefix(while: { $0 != "?" }).prefix(200)) } ?? ""),
                ("refused_since_last_line", String(unsignedSinceLog)), ("refused_total", String(unsignedTotal)),
                ("hint", "PUBLIC_URL must be the host Twilio calls, and TWILIO_AUTH_TOKEN the Auth Token of the number's account"),
            ])
            lastUnsignedLogMs = now
            unsignedSinceLog = 0
        }
        if failure == .formTooLarge {
            return .text(413, "payload too large: a Twilio webhook form is at most \(TwilioRequestValidator.maxFormBytes) bytes and \(TwilioRequestValidator.maxFormParameters) parameters\n")
        }
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
