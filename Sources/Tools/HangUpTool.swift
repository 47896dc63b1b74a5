/// `hang_up`: the model ends the call. The call session waits until the assistant's last audio
/// has played (its goodbye) before it closes Twilio's socket.
public enum HangUpTool {
    /// The function name.
    public static let name = "hang_up"

    /// The tool.
    public static func make() -> Tool {
        Tool(
            name: name,
            description: "End the phone call. Use it when the caller says goodbye or asks to hang up, or the "
                + "conversation is clearly over. Say a short goodbye first; the line closes once it has played.",
            parameters: ["type": "object", "properties": [:], "required": []]
        ) { call, completion in
            call.log.info("assistant is ending the call", [("call_id", call.callId)])
            completion(ToolResult(output: "The call ends once your goodbye has played.", endsCall: true))
            return .finished
        }
    }
}
