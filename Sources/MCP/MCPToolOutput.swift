import JSON

/// A `tools/call` result (MCP "Tools", *Tool result*) turned into the text the model reads:
/// text content joined, other content described in a few words, `structuredContent` as JSON,
/// and `isError` said plainly — never longer than a bound, never cutting a character.
public enum MCPToolOutput {
    /// The default bound on what the model reads, in UTF-8 bytes.
    public static let defaultMaxBytes = 4_000

    /// The output for `result`, and whether the tool reported an error (`isError: true`).
    public static func text(of result: JSON, maxBytes: Int = defaultMaxBytes) -> (output: String, isError: Bool) {
        var parts: [String] = []
        var texts: [String] = []
        for item in result["content"]?.arrayValue ?? [] {
            switch item["type"]?.stringValue ?? "" {
            case "text":
                let text = item["text"]?.stringValue ?? ""
                texts.append(text)
                parts.append(text)
            case "image":
                parts.append("[an image" + mimeType(item) + "]")
            case "audio":
                parts.append("[an audio clip" + mimeType(item) + "]")
            case "resource":
                let resource = item["resource"]
                if let text = resource?["text"]?.stringValue {
                    parts.append(text)
                } else {
                    parts.append("[a file" + (resource?["uri"]?.stringValue.map { " " + $0 } ?? "") + mimeType(resource ?? .null) + "]")
                }
            case "resource_link":
                let name = item["name"]?.stringValue ?? item["uri"]?.stringValue ?? "a resource"
                parts.append("[a link to \(name)" + (item["uri"]?.stringValue.map { " at " + $0 } ?? "") + "]")
            case "":
                break
            case let other:
                parts.append("[content of type \(other)]")
            }
        }
        // MCP 2025-06-18: a tool returning structured content SHOULD also return it serialized in
        // a text block; the model needs it once. SDKs also wrap a plain string return value as
        // `{"result": "…"}` next to the same text.
        if let structured = result["structuredContent"], !repeats(structured, texts) {
            parts.append(structured.serialized())
        }
        let isError = result["isError"]?.boolValue == true
        var output = parts.joined(separator: "\n")
        if isError {
            output = "The tool reported an error: " + (output.isEmpty ? "(no details)" : output)
        } else if output.isEmpty {
            output = "The tool finished and returned nothing."
        }
        return (bounded(output, maxBytes: maxBytes), isError)
    }

    /// `text` cut to at most `maxBytes` UTF-8 bytes at a character boundary, with `…` marking
    /// the cut. Shorter text is unchanged.
    public static func bounded(_ text: String, maxBytes: Int) -> String {
        guard text.utf8.count > maxBytes else { return text }
        let mark = "…"
        guard maxBytes >= mark.utf8.count else { return "" }
        var end = text.utf8.index(text.utf8.startIndex, offsetBy: maxBytes - mark.utf8.count)
        // Back up to the start of a character: never split a UTF-8 sequence or a grapheme.
        while String.Index(end, within: text) == nil {
            end = text.utf8.index(before: end)
        }
        return String(text[..<end]) + mark
    }

    /// Whether `structured` only repeats what the text content already says.
    private static func repeats(_ structured: JSON, _ texts: [String]) -> Bool {
        if texts.contains(where: { (try? JSON.parse($0)) == structured }) { return true }
        if let object = structured.objectValue, object.count == 1, let key = object.keys.first, let only = object[key]?.stringValue {
            return texts.contains(only)
        }
        return false
    }

    private static func mimeType(_ item: JSON) -> String {
        item["mimeType"]?.stringValue.map { " (\($0))" } ?? ""
    }
}
