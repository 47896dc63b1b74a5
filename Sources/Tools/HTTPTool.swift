import HTTPClient
import JSON

/// A tool defined by a file (`HTTPToolDefinition`): the model's arguments are checked against
/// the file's `parameters`, then one HTTP request goes to the business's API on the call's loop
/// through `HTTPClient` — no frame waits for it — and the JSON answer, shaped, is the output.
///
/// Arguments that break the schema are refused before any request, with the field and the rule,
/// so the model can ask the caller. Any failure (HTTP 4xx/5xx, timeout, connect, TLS, a body
/// that is not JSON) tells the model the tool is unavailable right now, and writes one log line
/// with the tool, the status and the cause — never a header value.
public enum HTTPTool {
    /// The tool for `definition`, sending through `client` (bound to the calls' loop).
    public static func make(_ definition: HTTPToolDefinition, client: HTTPClient) -> Tool {
        let validator = JSONSchemaValidator(schema: definition.parameters)
        let shaper = HTTPToolResponseShaper(keep: definition.keep, maxBytes: definition.maxBytes)
        let name = definition.name
        return Tool(name: name, description: definition.description, parameters: definition.parameters) { call, completion in
            guard let arguments = call.argumentObject else {
                call.log.info("http tool refused its arguments", [("tool", name), ("call_id", call.callId), ("rule", "type")])
                completion(ToolResult(output: refusal(name, ["the arguments must be a JSON object"]), outcome: "bad_arguments"))
                return .finished
            }
            let violations = validator.violations(of: .object(arguments))
            guard violations.isEmpty else {
                // Field and rule only: the values are the caller's data.
                call.log.info("http tool refused its arguments", [
                    ("tool", name), ("call_id", call.callId),
                    ("problems", violations.map { "\($0.field):\($0.rule)" }.joined(separator: ",")),
                ])
                completion(ToolResult(output: refusal(name, violations.map(\.message)), outcome: "bad_arguments"))
                return .finished
            }
            let task = client.send(definition.request(for: arguments)) { response in
                let (result, failure) = interpret(response, definition: definition, shaper: shaper)
                if let failure {
                    var fields = [("tool", name), ("call_id", call.callId), ("cause", failure.cause), ("error", failure.error)]
                    if let status = failure.status { fields.insert(("status", String(status)), at: 2) }
                    call.log.warning("http tool failed", fields)
                }
                completion(result)
            }
            return ToolTask {
                if !task.isFinished { call.log.info("http tool cancelled", [("tool", name), ("call_id", call.callId)]) }
                task.cancel()
            }
        }
    }

    /// What the model reads when its arguments break the schema: what is wrong, and that
    /// nothing was sent.
    public static func refusal(_ name: String, _ problems: [String]) -> String {
        "\(name) was not called: \(problems.joined(separator: "; ")). Nothing was sent. "
            + "Fix the arguments (ask the caller if you need to) and call \(name) again."
    }

    /// What the model reads when the service failed, with a reason it may pass on.
    public static func unavailable(_ name: String, reason: String) -> String {
        "The \(name) tool is unavailable right now (\(reason)). Tell the caller you cannot look that up "
            + "at the moment; do not guess the answer."
    }

    /// The result of a finished request and, when it failed, the log line's status, cause
    /// (also the result's outcome) and error.
    static func interpret(_ response: Result<HTTPClientResponse, HTTPClientError>, definition: HTTPToolDefinition,
                          shaper: HTTPToolResponseShaper) -> (ToolResult, (status: Int?, cause: String, error: String)?) {
        let name = definition.name
        let host = definition.url.authority
        func failed(_ cause: String, status: Int? = nil, reason: String, error: String) -> (ToolResult, (status: Int?, cause: String, error: String)?) {
            (ToolResult(output: unavailable(name, reason: reason), outcome: cause), (status, cause, error))
        }
        switch response {
        case .failure(let error) where error.kind == .timedOut:
            return failed("timed_out", reason: "no answer within \(definition.timeoutMs) ms",
                          error: "\(definition.method) \(host): no answer within timeout_ms=\(definition.timeoutMs) (\(definition.path))")
        case .failure(let error):
            return failed("unavailable", reason: "the service could not be reached",
                          error: "\(definition.method) \(host): \(error.kind.rawValue): \(error.message)")
        case .success(let ok) where !(200...299).contains(ok.status):
            return failed("http_error", status: ok.status, reason: "the service answered HTTP \(ok.status)",
                          error: "\(definition.method) \(host) answered HTTP \(ok.status): \(preview(ok.body))")
        case .success(let ok) where ok.body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }):
            return (ToolResult(output: "Done: the service answered HTTP \(ok.status) with no content."), nil)
        case .success(let ok):
            guard let document = try? JSON.parse(ok.body) else {
                return failed("bad_response", status: ok.status, reason: "the service's answer could not be read",
                              error: "\(definition.method) \(host) answered HTTP \(ok.status) with a body that is not JSON: \(preview(ok.body))")
            }
            return (ToolResult(output: shaper.output(for: document)), nil)
        }
    }

    /// The start of a body for a log line: one line, 200 characters at most.
    static func preview(_ body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(1_000), as: UTF8.self).collapsingWhitespace()
        return text.isEmpty ? "(empty body)" : text.truncated(toCharacters: 200)
    }
}
