import Calls
import HTTP
import Twilio
import WebSocket
#if canImport(Glibc)
import Glibc
#endif

/// The bridge's HTTP routes: the TwiML webhook, health, and the Media Streams WebSocket.
public struct CallRouter {
    /// The public host Twilio reaches (`PUBLIC_URL`), or nil to use the request's Host header.
    public var publicHost: String?
    /// Where Media Streams land.
    public var manager: CallManager
    /// Options for Twilio-facing WebSockets.
    public var webSocketOptions = WSConnection.Options()
    /// The scheme written in `PUBLIC_URL`, if any: which URL Twilio signed the webhook for.
    public var publicScheme: String?
    /// Signatures, capacity and draining; the default lets everyone in.
    public var gate = CallGate()
    /// Places calls for `POST /calls`; nil (or no `bridgeAPIKey`) turns the endpoint off.
    public var dialer: OutboundDialer?
    /// Signs and checks the transfer webhooks' URLs; nil when transfers are not set up.
    public var transfers: TransferTwiML?
    /// The bearer token `POST /calls` requires (`BRIDGE_API_KEY`).
    public var bridgeAPIKey: String?
    /// `/metrics` is served by `handleOperations` on `METRICS_PORT`, so `handle` answers it 404;
    /// `/healthz` and `/readyz` stay on both, for load balancers probing the public port.
    public var metricsOnOwnPort = false
    /// The browser console (`GET /console`); nil when off.
    public var console: Console?
    /// The event loops that carry calls (`EVENT_LOOPS`): streams are placed on them, and their
    /// counts are the bridge's. Nil: every call on `manager`'s loop, counted by it.
    public var loops: CallLoops?

    /// Creates the routes.
    public init(publicHost: String?, manager: CallManager) {
        self.publicHost = publicHost
        self.manager = manager
        // Twilio's media events are small; a megabyte is far beyond any legitimate one.
        webSocketOptions.maxMessageSize = 1 << 20
    }

    /// Routes one request.
    public func handle(_ request: HTTPRequest, _ info: HTTPRequestInfo) -> HTTPServer.Reply {
        let method = request.head.method
        switch request.head.path {
        case "/incoming-call":
            guard method == "GET" || method == "POST" else { return .response(methodNotAllowed("GET, POST")) }
            if let refusal = gate.checkSignature(request, info, urls: webhookURLs(for: request)) { return .response(refusal) }
            guard let fields = webhookFields(request) else { return .response(formTooLarge()) }
            if let refusal = gate.admitWebhook(request, activeCalls: startedCalls,
                                               callSid: fields.last(where: { $0.0 == "CallSid" })?.1) {
                return .response(refusal)
            }
            return .response(twiml(for: request, fields: fields))
        case "/healthz", "/readyz":
            return .response(operations(request) ?? .text(404, "not found\n"))
        case "/metrics" where !metricsOnOwnPort:
            return .response(operations(request) ?? .text(404, "not found\n"))
        case "/media-stream":
            if let refusal = gate.admitMediaStream(request, info, urls: streamURLs(for: request),
                                                   activeCalls: startedCalls, awaitingStart: loops?.awaitingStart ?? manager.awaitingStart) {
                return .response(refusal)
            }
            let manager = self.manager, gate = self.gate
            let outputLimit = max(manager.context.maxBufferedToTwilioBytes + (1 << 20), 4 << 20)
            if let loops {
                return WSServerUpgrade.reply(to: request, options: webSocketOptions) {
                    let index = loops.placeStream()
                    return .init(target: loops.handle(index), onOpen: { socket in
                        guard let manager = loops.manager(on: socket.connection.loop) else {
                            socket.close(code: 1011, reason: "no call manager on this loop")
                            return
                        }
                        loops.streamMoved(from: index, to: manager.loopIndex)  // it stayed on the listener's loop
                        socket.connection.maxBufferedOutput = outputLimit
                        manager.accept(socket)
                    }, ifClosed: {
                        loops.placedStreamClosed(on: index)
                    })
                }
            }
            return WSServerUpgrade.reply(to: request, options: webSocketOptions) { socket in
                socket.connection.maxBufferedOutput = outputLimit  // a hard net above the call's own limit
                manager.accept(socket) { callSid, parameters, started in
                    gate.admitStart(callSid: callSid, parameters: parameters, startedCalls: started)
                }
            }
        case "/calls":
            return placeCall(request, info)
        case "/whisper", "/transfer-result":
            return .response(transferWebhook(request, info))
        case "/call-status":
            guard method == "POST" else { return .response(methodNotAllowed("POST")) }
            return .response(callStatus(request, info))
        case let path where Self.isConsolePath(path):
            return console(request, info)
        default:
            return .response(.text(404, "not found\n"))
        }
    }

    /// Routes one request on the operations listener (`METRICS_PORT`): `/metrics`, `/healthz`,
    /// `/readyz`, and 404 for everything else — calls never come in there.
    public func handleOperations(_ request: HTTPRequest, _ info: HTTPRequestInfo) -> HTTPServer.Reply {
        .response(operations(request) ?? .text(404, "not found\n"))
    }

    /// `/healthz`, `/readyz` and `/metrics` (GET or HEAD), wherever they are served; nil for other paths.
    func operations(_ request: HTTPRequest) -> HTTPResponse? {
        let answer: () -> HTTPResponse
        switch request.head.path {
        case "/healthz": answer = { .text(200, "ok\n") }
        case "/readyz": answer = readiness
        case "/metrics": answer = metrics
        default: return nil
        }
        guard request.head.method == "GET" || request.head.method == "HEAD" else { return methodNotAllowed("GET, HEAD") }
        return answer()
    }

    /// A webhook's fields, from its query and its form body; nil when the form is larger than
    /// Twilio sends (`TwilioRequestValidator.maxFormBytes`, `maxFormParameters`).
    func webhookFields(_ request: HTTPRequest) -> [(String, String)]? {
        var fields = HTTPForm.decode(request.head.query ?? "")
        if request.head.method == "POST",
           (request.head.headers["Content-Type"] ?? "").lowercased().hasPrefix("application/x-www-form-urlencoded") {
            guard TwilioRequestValidator.formIsWithinLimits(request.body) else { return nil }
            fields += HTTPForm.decode(request.body)
        }
        return fields
    }

    func formTooLarge() -> HTTPResponse {
        .text(413, "payload too large: a Twilio webhook form is at most \(TwilioRequestValidator.maxFormBytes) bytes and \(TwilioRequestValidator.maxFormParameters) parameters\n")
    }

    /// The TwiML that connects the call to our Media Stream, with From, To and CallSid as parameters
    /// (Twilio forbids a query string in the Stream URL), and the call's stream token over them.
    func twiml(for request: HTTPRequest, fields: [(String, String)]) -> HTTPResponse {
        func field(_ name: String) -> String? { fields.last(where: { $0.0 == name })?.1 }
        let host = publicHost(for: request)
        var parameters: [(String, String)] = []
        if let from = field("From") { parameters.append(("From", from)) }
        if let to = field("To") { parameters.append(("To", to)) }  // the called number, for call events
        let callSid = field("CallSid")
        // The agent is chosen here, from the called and calling numbers, and signed into the
        // stream token with the other parameters: the stream never chooses it.
        let agent = manager.agents?.route(to: field("To"), from: field("From"))
        if let agent { parameters.append(("agent", agent)) }
        if let callSid {
            parameters.append(("CallSid", callSid))
            if let loops { loops.prewarm(callSid: callSid, agent: agent, from: manager) } else { manager.prewarm(callSid: callSid, agent: agent) }
        }
        if let tokens = gate.streamTokens, let callSid {
            parameters = tokens.signed(parameters, callSid: callSid, now: Int64(time(nil)))
        }
        let body = TwiML.connectStream(url: "wss://\(host)/media-stream", parameters: parameters)
        var headers = HTTPHeaders()
        headers.add("Content-Type", "text/xml; charset=utf-8")
        return HTTPResponse(status: 200, headers: headers, body: Array(body.utf8))
    }

    /// Calls whose `start` was admitted, on every loop.
    var startedCalls: Int { loops?.startedCalls ?? manager.startedCalls }

    /// Makes `gate` admit the `start` of every stream `loops`' managers carry, each counted on
    /// its loop. Call once the loops have joined, on loop 0's thread.
    public static func admitStarts(through gate: CallGate, loops: CallLoops) {
        loops.forEachManager { manager in
            let index = manager.loopIndex
            manager.admission = { callSid, parameters, _ in
                loops.admit(on: index) { started in gate.admitStart(callSid: callSid, parameters: parameters, startedCalls: started) }
            }
        }
    }

    func methodNotAllowed(_ allow: String) -> HTTPResponse {
        var response = HTTPResponse.text(405, "method not allowed\n")
        response.headers.add("Allow", allow)
        return response
    }
}
