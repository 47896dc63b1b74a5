@testable import Providers
@testable import Server
import Metrics
import Logging
import HTTP
import Realtime
import Testing
import Twilio
@testable import Calls

@Suite struct CallGateTests {
    static let token = "0123456789abcdef0123456789abcdef"
    let info = HTTPRequestInfo(peer: "10.0.0.9:4321", secure: false)

    func router(gate: CallGate, publicHost: String? = "bridge.example.com", scheme: String? = nil) -> CallRouter {
        let context = CallContext(endpoint: .local, sessionOptions: RealtimeSessionOptions(instructions: "be brief"),
                                  greeting: "", tls: nil, logger: Logger())
        var router = CallRouter(publicHost: publicHost, manager: CallManager(context: context))
        router.gate = gate
        router.publicScheme = scheme
        return router
    }

    func request(_ method: String, _ target: String, headers: [(String, String)] = [], form: [(String, String)] = []) -> HTTPRequest {
        var all = HTTPHeaders([("Host", "10.0.0.5:5050")] + headers)
        var body: [UInt8] = []
        if !form.isEmpty {
            all.add("Content-Type", "application/x-www-form-urlencoded")
            body = Array(HTTPForm.encode(form).utf8)
        }
        return HTTPRequest(head: HTTPRequestHead(method: method, target: target, headers: all), body: body)
    }

    func status(_ reply: HTTPServer.Reply) -> Int? {
        if case .response(let r) = reply { return r.status }
        return nil  // a take-over: the upgrade was accepted
    }

    func body(_ reply: HTTPServer.Reply) -> String {
        if case .response(let r) = reply { return String(decoding: r.body, as: UTF8.self) }
        return ""
    }

    static let upgrade = [("Connection", "Upgrade"), ("Upgrade", "websocket"), ("Sec-WebSocket-Version", "13"),
                          ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")]

    // MARK: Signatures

    @Test func webhook_signedOverThePublicURL_isAnswered_andTheLocalURLIsNot() {
        let router = router(gate: CallGate(validator: TwilioRequestValidator(authToken: Self.token)), scheme: "https")
        let form = [("CallSid", "CA1"), ("From", "+15551234567")]
        let good = TwilioSignature.compute(url: "https://bridge.example.com/incoming-call?x=1", params: form, authToken: Self.token)
        let local = TwilioSignature.compute(url: "http://10.0.0.5:5050/incoming-call?x=1", params: form, authToken: Self.token)
        let ok = router.handle(request("POST", "/incoming-call?x=1", headers: [("X-Twilio-Signature", good)], form: form), info)
        #expect(status(ok) == 200)
        #expect(body(ok).contains("<Connect><Stream"))
        #expect(status(router.handle(request("POST", "/incoming-call?x=1", headers: [("X-Twilio-Signature", local)], form: form), info)) == 403)
        #expect(status(router.handle(request("POST", "/incoming-call?x=1", form: form), info)) == 403)
        let tampered = [("CallSid", "CA1"), ("From", "+15550000000")]
        #expect(status(router.handle(request("POST", "/incoming-call?x=1", headers: [("X-Twilio-Signature", good)], form: tampered), info)) == 403)
    }

    @Test func webhookScheme_unwritten_acceptsHttpsOrHttp_written_onlyThatOne() {
        let https = TwilioSignature.compute(url: "https://bridge.example.com/incoming-call", params: [], authToken: Self.token)
        let http = TwilioSignature.compute(url: "http://bridge.example.com/incoming-call", params: [], authToken: Self.token)
        let open = router(gate: CallGate(validator: TwilioRequestValidator(authToken: Self.token)))
        #expect(status(open.handle(request("GET", "/incoming-call", headers: [("X-Twilio-Signature", https)]), info)) == 200)
        #expect(status(open.handle(request("GET", "/incoming-call", headers: [("X-Twilio-Signature", http)]), info)) == 200)
        let strict = router(gate: CallGate(validator: TwilioRequestValidator(authToken: Self.token)), scheme: "https")
        #expect(status(strict.handle(request("GET", "/incoming-call", headers: [("X-Twilio-Signature", http)]), info)) == 403)
    }

    @Test func withoutPublicURL_theForwardedHostAndProtoAreSigned() {
        let router = router(gate: CallGate(validator: TwilioRequestValidator(authToken: Self.token)), publicHost: nil)
        let signature = TwilioSignature.compute(url: "https://lb.example.org/incoming-call", params: [], authToken: Self.token)
        let headers = [("X-Forwarded-Host", "lb.example.org"), ("X-Forwarded-Proto", "https"), ("X-Twilio-Signature", signature)]
        #expect(status(router.handle(request("GET", "/incoming-call", headers: headers), info)) == 200)
        let wrongProto = [("X-Forwarded-Host", "lb.example.org"), ("X-Forwarded-Proto", "http"), ("X-Twilio-Signature", signature)]
        #expect(status(router.handle(request("GET", "/incoming-call", headers: wrongProto), info)) == 403)
    }

    @Test func mediaStream_signedOverTheWssURLOfTheTwiML_isUpgraded() {
        let router = router(gate: CallGate(validator: TwilioRequestValidator(authToken: Self.token)))
        let good = TwilioSignature.compute(url: "wss://bridge.example.com/media-stream", params: [], authToken: Self.token)
        let https = TwilioSignature.compute(url: "https://bridge.example.com/media-stream", params: [], authToken: Self.token)
        #expect(status(router.handle(request("GET", "/media-stream", headers: Self.upgrade + [("x-twilio-signature", good)]), info)) == nil)
        #expect(status(router.handle(request("GET", "/media-stream", headers: Self.upgrade + [("X-Twilio-Signature", https)]), info)) == 403)
        #expect(status(router.handle(request("GET", "/media-stream", headers: Self.upgrade), info)) == 403)
    }

    @Test func refusals_areCountedByOutcome() {
        let gate = CallGate(maxCalls: 1, validator: TwilioRequestValidator(authToken: Self.token))
        let router = router(gate: gate)
        _ = router.handle(request("GET", "/incoming-call"), info)
        let text = gate.metrics.render(.init(activeCalls: 0, maxCalls: 1, pendingCalls: 0, draining: false, ready: true))
        #expect(text.contains("voice_bridge_calls_total{outcome=\"rejected_signature\"} 1\n"))
    }

    // MARK: Capacity and draining

    @Test func capacity_isReservedAtTheWebhook_andTakenByTheStream() {
        let gate = CallGate(maxCalls: 1)
        let router = router(gate: gate)
        #expect(status(router.handle(request("POST", "/incoming-call", form: [("CallSid", "CA1")]), info)) == 200)
        #expect(gate.pendingCalls == 1)
        let busy = router.handle(request("POST", "/incoming-call", form: [("CallSid", "CA2")]), info)
        #expect(status(busy) == 200)
        #expect(body(busy).contains("<Say>") && body(busy).contains("<Hangup/>") && !body(busy).contains("<Stream"))
        let replay = router.handle(request("POST", "/incoming-call", form: [("CallSid", "CA1")]), info)
        #expect(body(replay).contains("<Stream"), "a replayed webhook keeps its one slot")
        #expect(gate.pendingCalls == 1)
        #expect(status(router.handle(request("GET", "/media-stream", headers: Self.upgrade), info)) == nil)
        #expect(gate.pendingCalls == 1, "the slot is taken by the start that names the CallSid")
        #expect(gate.admitStart(callSid: "CA1", parameters: [:], startedCalls: 0) == nil)
        #expect(gate.pendingCalls == 0)
        #expect(gate.admitMediaStream(request("GET", "/media-stream"), info, urls: [], activeCalls: 1, awaitingStart: 0)?.status == 503)
        #expect(gate.admitWebhook(request("GET", "/incoming-call"), activeCalls: 1, callSid: "CA3") != nil)
    }

    @Test func replayedWebhooks_reserveOneSlotPerCallSid() {
        let gate = CallGate(maxCalls: 3)
        for _ in 0..<10 { #expect(gate.admitWebhook(request("POST", "/incoming-call"), activeCalls: 0, callSid: "CA1") == nil) }
        #expect(gate.pendingCalls == 1)
        #expect(gate.admitWebhook(request("POST", "/incoming-call"), activeCalls: 0, callSid: "CA2") == nil)
        #expect(gate.admitWebhook(request("POST", "/incoming-call"), activeCalls: 0, callSid: "CA3") == nil)
        #expect(gate.admitWebhook(request("POST", "/incoming-call"), activeCalls: 0, callSid: "CA4") != nil, "full")
        #expect(gate.admitStart(callSid: "CA9", parameters: [:], startedCalls: 0)?.outcome == "rejected_busy",
                "a start without a reservation needs a free slot")
    }

    @Test func streamsWaitingForStart_areBounded() {
        let gate = CallGate(maxCalls: 100)
        gate.maxAwaitingStart = 2
        #expect(gate.admitMediaStream(request("GET", "/media-stream"), info, urls: [], activeCalls: 0, awaitingStart: 1) == nil)
        #expect(gate.admitMediaStream(request("GET", "/media-stream"), info, urls: [], activeCalls: 0, awaitingStart: 2)?.status == 503)
    }

    @Test func reservations_expire() {
        let gate = CallGate(maxCalls: 1)
        gate.reservationMs = 0
        #expect(gate.admitWebhook(request("GET", "/incoming-call"), activeCalls: 0, callSid: "CA1") == nil)
        #expect(gate.pendingCalls == 0)
        #expect(gate.admitWebhook(request("GET", "/incoming-call"), activeCalls: 0, callSid: "CA2") == nil)
    }

    @Test func draining_answersBusy_refusesNewStreams_butAdmitsOnesAlreadyPromised() {
        let gate = CallGate()
        let router = router(gate: gate)
        #expect(status(router.handle(request("GET", "/incoming-call?CallSid=CA1"), info)) == 200)  // promised before the drain
        gate.beginDraining()
        #expect(status(router.handle(request("GET", "/readyz"), info)) == 503)
        #expect(body(router.handle(request("GET", "/incoming-call?CallSid=CA2"), info)).contains("<Hangup/>"))
        #expect(status(router.handle(request("GET", "/media-stream", headers: Self.upgrade), info)) == nil, "the promised call")
        #expect(gate.admitStart(callSid: "CA2", parameters: [:], startedCalls: 0)?.outcome == "rejected_draining")
        #expect(gate.admitStart(callSid: "CA1", parameters: [:], startedCalls: 0) == nil)
        #expect(status(router.handle(request("GET", "/media-stream", headers: Self.upgrade), info)) == 503)
        #expect(status(router.handle(request("GET", "/healthz"), info)) == 200, "alive while draining")
    }

    @Test func readyz_isOK_thenNotWhileTheProviderIsKnownDown() {
        let gate = CallGate()
        let router = router(gate: gate)
        #expect(status(router.handle(request("GET", "/readyz"), info)) == 200)
        let pool = router.manager.context.providers
        for _ in 0..<3 { pool.recordUnavailable() }  // three calls could open no provider session
        let reply = router.handle(request("GET", "/readyz"), info)
        #expect(status(reply) == 503)
        #expect(body(reply).contains("provider"))
        #expect(body(router.handle(request("GET", "/metrics"), info)).contains("voice_bridge_provider_up 0\n"))
        pool.recordSuccess(0, position: 0)
        #expect(status(router.handle(request("GET", "/readyz"), info)) == 200)
    }

    @Test func metrics_servesTheTextFormat() {
        let router = router(gate: CallGate(maxCalls: 7))
        let reply = router.handle(request("GET", "/metrics"), info)
        guard case .response(let response) = reply else { Issue.record("no response"); return }
        #expect(response.status == 200)
        #expect(response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8")
        #expect(body(reply).contains("voice_bridge_max_calls 7\n"))
        #expect(status(router.handle(request("POST", "/metrics"), info)) == 405)
    }
}

extension CallGateTests {
    @Test func draining_shortensTheWaitForPromisedStreams() {
        let gate = CallGate()
        gate.drainingReservationMs = 0
        #expect(gate.admitWebhook(request("GET", "/incoming-call"), activeCalls: 0, callSid: "CA1") == nil)
        #expect(gate.pendingCalls == 1)
        gate.beginDraining()
        #expect(gate.pendingCalls == 0, "a drain does not wait the full reservation for a stream that may never come")
    }
}
