/// The TwiML documents the bridge answers Twilio's voice webhook with.
public enum TwiML {
    /// Twilio's limit on one `<Parameter>`: name and value together must stay under 500
    /// characters (PROTOCOLS.md §1; Twilio error 31103 otherwise).
    public static let parameterLengthLimit = 500

    /// The XML declaration every document starts with.
    static let declaration = #"<?xml version="1.0" encoding="UTF-8"?>"#

    /// Connects the call to a bidirectional Media Stream:
    /// `<Response><Connect><Stream url="wss://…"><Parameter name="…" value="…"/>…</Stream></Connect></Response>`.
    ///
    /// - Parameters:
    ///   - url: the `wss://` URL of the stream endpoint. Twilio does not allow a query string here;
    ///     per-call data goes in `parameters`.
    ///   - parameters: `<Parameter>` pairs in order; they arrive in `start.customParameters`. A pair
    ///     whose name and value together reach `parameterLengthLimit` characters is **dropped**
    ///     (Twilio would reject the whole document), so never put something the call cannot do
    ///     without in an unbounded parameter.
    ///
    /// Nothing follows `</Connect>`: when the bridge closes the WebSocket, the call ends.
    public static func connectStream(url: String, parameters: [(String, String)]) -> String {
        var xml = declaration + "<Response><Connect><Stream url=\"" + escaped(url) + "\">"
        for (name, value) in parameters where fitsParameter(name, value) {
            xml += "<Parameter name=\"" + escaped(name) + "\" value=\"" + escaped(value) + "\"/>"
        }
        xml += "</Stream></Connect></Response>"
        return xml
    }

    /// Whether a `<Parameter>` is short enough for Twilio; `connectStream` drops those that are not.
    public static func fitsParameter(_ name: String, _ value: String) -> Bool {
        name.count + value.count < parameterLengthLimit
    }

    /// Speaks `text` with Twilio's text-to-speech, then hangs up when `hangUp` is true:
    /// `<Response><Say>…</Say><Hangup/></Response>`. For errors and a busy line, where no
    /// stream is opened.
    /// `<Hangup/>`: the call ends.
    public static func hangUp() -> String {
        declaration + "<Response><Hangup/></Response>"
    }

    public static func say(_ text: String, hangUp: Bool) -> String {
        declaration + "<Response><Say>" + escaped(text) + "</Say>" + (hangUp ? "<Hangup/>" : "") + "</Response>"
    }

    /// XML escaping valid in attribute values and text alike (XML 1.0 §2.4, §3.3.3). Control
    /// characters other than tab, line feed and carriage return are removed: XML 1.0 §2.2 allows
    /// them nowhere, not even as character references.
    static func escaped(_ text: String) -> String {
        guard text.utf8.contains(where: { $0 < 0x20 || [0x26, 0x3C, 0x3E, 0x22, 0x27].contains($0) }) else {
            return text
        }
        var output = ""
        output.reserveCapacity(text.utf8.count + 16)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "'": output += "&apos;"
            case "\t", "\n", "\r": output.unicodeScalars.append(scalar)
            case "\u{0}"..."\u{1F}": continue
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output
    }
}
