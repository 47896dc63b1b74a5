import Metrics
import Calls
import HTTP
import JSON
import Net
import Tools
import Twilio

extension CallRouter {
    /// `POST /calls` (JSON `{to, from?, instructions?, greeting?, metadata?}`, `Authorization:
    /// Bearer BRIDGE_API_KEY`): places a call and answers 201 `{sid, to, from, metadata}` once
    /// Twilio has queued it, or Twilio's error. 404 when the endpoint is off.
    func placeCall(_ request: HTTPRequest, _ info: HTTPRequestInfo) -> HTTPServer.Reply {
        guard let dialer, let key = bridgeAPIKey else { return .response(.text(404, "not found\n")) }
        guard request.head.method == "POST" else { return .response(methodNotAllowed("POST")) }
        guard Self.bearerMatches(request.head.headers["Authorization"], key: key) else {
            gate.log.warning("refused POST /calls without a valid bridge API key", [("peer", info.peer)])
            var response = Self.jsonError(401, "unauthorized", "send Authorization: Bearer <BRIDGE_API_KEY>")
            response.headers.add("WWW-Authenticate", "Bearer")
            return .response(response)
        }
        if gate.isDraining { return .response(Self.jsonError(503, "draining", "this bridge is shutting down; use another replica")) }
        let fields: OutboundCallFields
        do {
            fields = try OutboundCallFields(json: request.body)
        } catch {
            return .response(Self.jsonError(400, "invalid_request", error.description))
        }
        if let agent = fields.override.agent, manager.agents?.context(named: agent) == nil {
            let known = manager.agents?.configs.map(\.name).joined(separator: ", ") ?? "none (no agent files)"
            return .response(Self.jsonError(400, "invalid_request", "\"agent\": no agent named '\(agent.prefix(64))'; agents: \(known)"))
        }
        let metrics = gate.metrics, log = gate.log
        return .takeOver { connection, _ in
            func answer(_ response: HTTPResponse) {
                connection.write(response.serialized(keepAlive: false))
                connection.close()
            }
            do {
                // The completion holds the connection until Twilio answers.
                try dialer.place(to: fields.to, from: fields.from, override: fields.override) { result in
                    switch result {
                    case .success(let sid):
                        metrics.recordOutboundPlaced(ok: true)
                        log.with("call", sid).info("outbound call placed", [("to", fields.to), ("api_peer", info.peer),
                                                                            ("metadata_fields", fields.metadata.keys.joined(separator: ","))])
                        var body: JSONObject = ["sid": .string(sid), "to": .string(fields.to)]
                        body["metadata"] = .object(fields.metadata)
                        answer(HTTPResponse(status: 201, headers: ["Content-Type": "application/json"],
                                            body: Array(JSON.object(body).serialized().utf8)))
                    case .failure(let error):
                        metrics.recordOutboundPlaced(ok: false)
                        log.warning("outbound call refused", [("to", fields.to), ("error", error.description)])
                        var twilio: JSONObject = ["message": .string(error.message)]
                        if let code = error.code { twilio["code"] = .number(Double(code)) }
                        if let status = error.status { twilio["status"] = .number(Double(status)) }
                        if let more = error.moreInfo { twilio["more_info"] = .string(more) }
                        if let hint = error.hint { twilio["hint"] = .string(hint) }
                        let body: JSON = ["error": "twilio_refused", "message": .string(error.description), "twilio": .object(twilio)]
                        answer(HTTPResponse(status: 502, headers: ["Content-Type": "application/json"],
                                            body: Array(body.serialized().utf8)))
                    }
                }
            } catch {
                answer(Self.jsonError(400, "invalid_request", String(describing: error)))
            }
        }
    }

    /// `POST /call-status`: Twilio's status callback for an outbound call. Signed like a webhook;
    /// one log line per transition (a warning for calls that never connected) and a counter.
    func callStatus(_ request: HTTPRequest, _ info: HTTPRequestInfo) -> HTTPResponse {
        if let refusal = gate.checkSignature(request, info, urls: webhookURLs(for: request)) { return refusal }
        guard TwilioRequestValidator.formIsWithinLimits(request.body) else { return formTooLarge() }
        let form = HTTPForm.decode(request.body)
        func field(_ name: String) -> String? { form.last(where: { $0.0 == name })?.1 }
        guard let status = field("CallStatus") else { return .text(400, "CallStatus is missing\n") }
        let known = ["queued", "initiated", "ringing", "in-progress", "answered", "completed", "busy", "no-answer", "failed", "canceled"]
        gate.metrics.recordOutboundStatus(known.contains(status) ? status : "other")
        var fields: [(String, String)] = [("status", status)]
        for (name, key) in [("To", "to"), ("Direction", "direction"), ("CallDuration", "duration_s"),
                            ("SipResponseCode", "sip_code"), ("AnsweredBy", "answered_by"), ("ErrorCode", "error_code"),
                            ("ErrorMessage", "error_message")] {
            if let value = field(name), !value.isEmpty { fields.append((key, value)) }
        }
        let log = gate.log.with("call", field("CallSid") ?? "")
        switch status {
        case "busy", "no-answer", "failed", "canceled":
            log.warning("outbound call did not connect", fields)
        default:
            log.info("outbound call status", fields)
        }
        return HTTPResponse(status: 204)
    }

    /// Whether `header` is `Bearer <key>`, compared in constant time (the time taken does not
    /// tell how many leading characters were right).
    static func bearerMatches(_ header: String?, key: String) -> Bool {
        guard let header, header.count > 7, header.prefix(7).lowercased() == "bearer " else { return false }
        return secretMatches(Array(header.utf8.dropFirst(7)), Array(key.utf8))
    }

    static func jsonError(_ status: Int, _ error: String, _ message: String) -> HTTPResponse {
        let body: JSON = ["error": .string(error), "message": .string(message)]
        return HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: Array(body.serialized().utf8))
    }
}
