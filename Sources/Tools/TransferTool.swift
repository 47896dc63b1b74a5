import JSON

/// `transfer_call`: the model hands the caller to a person of the agent's `transfer` targets,
/// with a summary written for whoever answers. The call session lets the model's last sentence
/// play, then redirects the live call through Twilio (`<Dial>`, the summary whispered to the
/// person before the caller is connected).
public enum TransferTool {
    /// The function name.
    public static let name = "transfer_call"
    /// A summary longer than this is refused (it is spoken to the person, who should not wait).
    public static let maxSummaryCharacters = 600

    /// The tool, offering `targets` (name and when to choose it).
    public static func make(targets: [(name: String, description: String)]) -> Tool {
        let names = targets.map(\.name)
        let choices = targets.map { "\($0.name): \($0.description.isEmpty ? "(no description)" : $0.description)" }
            .joined(separator: "; ")
        return Tool(
            name: name,
            description: "Transfer the call to a person when the caller asks for one or you cannot help. Targets — "
                + choices + ". First say one short sentence that you are connecting them; the transfer starts once it has played.",
            parameters: ["type": "object",
                         "properties": ["target": ["type": "string", "enum": .array(names.map(JSON.string)),
                                                   "description": "Who to transfer to."],
                                        "summary": ["type": "string",
                                                    "description": "For the person who answers: who is calling and why, in one or two sentences, so they need not ask again."]],
                         "required": ["target", "summary"], "additionalProperties": false]
        ) { call, completion in
            guard let target = call.stringArgument("target"), names.contains(target) else {
                completion(ToolResult(output: "There is no transfer target '\(call.stringArgument("target") ?? "")'. Targets: \(names.joined(separator: ", ")).",
                                      outcome: "bad_arguments"))
                return .finished
            }
            guard let summary = call.stringArgument("summary"), summary.count <= maxSummaryCharacters else {
                completion(ToolResult(output: "Give a 'summary' of at most \(maxSummaryCharacters) characters: who is calling and why.",
                                      outcome: "bad_arguments"))
                return .finished
            }
            call.log.info("assistant is transferring the call", [("call_id", call.callId), ("target", target)])
            completion(ToolResult(output: "Transferring the caller to \(target) once your sentence has played.",
                                  transfer: ToolResult.Transfer(target: target, summary: summary)))
            return .finished
        }
    }
}
