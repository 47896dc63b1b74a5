import Calls
import Glibc
import HTTP
import Twilio

/// The two webhooks of a transfer (`transfer_call`): `/whisper`, which tells the person who
/// answers who is calling, and `/transfer-result`, which hears how the dial ended and, when
/// nobody answered, brings the caller back to the agent in a new stream. Both are signed by
/// Twilio, and their query values by the bridge (`TransferTwiML`).
extension CallRouter {
    func transferWebhook(_ request: HTTPRequest, _ info: HTTPRequestInfo) -> HTTPResponse {
        guard request.head.method == "POST" || request.head.method == "GET" else { return methodNotAllowed("GET, POST") }
        if let refusal = gate.checkSignature(request, info, urls: webhookURLs(for: request)) { return refusal }
        guard let transfers, let fields = webhookFields(request) else { return .text(404, "not found\n") }
        let query = HTTPForm.decode(request.head.query ?? "")
        guard let values = transfers.verified(path: request.head.path, query: query) else {
            gate.log.warning("refused a transfer webhook whose query the bridge did not sign", [("path", request.head.path), ("peer", info.peer)])
            return .text(403, "forbidden\n")
        }
        func field(_ name: String) -> String? { fields.last(where: { $0.0 == name })?.1 }
        if request.head.path == "/whisper" {
            return xml(TransferTwiML.whisper(target: values["target"] ?? "", summary: values["summary"] ?? ""))
        }
        // /transfer-result: Twilio's DialCallStatus says how the dial ended.
        let status = field("DialCallStatus") ?? "failed"
        let callSid = values["call"] ?? field("CallSid") ?? ""
        let log = gate.log.with("call", callSid)
        guard status != "completed" && status != "answered" else {
            log.info("transferred call ended", [("target", values["target"] ?? ""), ("status", status)])
            return xml(TwiML.hangUp())
        }
        // Nobody took it: back to the agent, which restores the conversation and says so.
        log.warning("the transfer did not connect; the caller goes back to the assistant",
                    [("target", values["target"] ?? ""), ("status", status)])
        var parameters: [(String, String)] = [("CallSid", callSid), ("agent", values["agent"] ?? ""),
                                              ("transfer_failed", values["target"] ?? ""), ("transfer_status", status)]
        if let from = field("From") { parameters.insert(("From", from), at: 0) }
        if let tokens = gate.streamTokens { parameters = tokens.signed(parameters, callSid: callSid, now: Int64(time(nil))) }
        _ = gate.admitWebhook(request, activeCalls: manager.startedCalls, callSid: callSid)  // the call's slot again
        return xml(TwiML.connectStream(url: "wss://\(publicHost(for: request))/media-stream", parameters: parameters))
    }

    private func xml(_ body: String) -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.add("Content-Type", "text/xml; charset=utf-8")
        return HTTPResponse(status: 200, headers: headers, body: Array(body.utf8))
    }
}
