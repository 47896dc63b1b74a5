import Foundation

/// Checks a `<Connect><Stream>` TwiML document the way Twilio will read it, so that
/// `voice-bridge check` catches a bad `PUBLIC_URL` before a call does (Twilio error 31910 and
/// a hang-up right after the greeting; PROTOCOLS.md §1, §6).
public enum TwiMLValidator {
    /// One element of the document: its name and attributes (entities decoded).
    struct Element: Equatable {
        var name: String
        var attributes: [String: String]
    }

    /// Every problem found, in words a person can act on; empty when the document is fine:
    /// well-formed XML (one `<Response>` root, tags balanced, attributes quoted, only the five
    /// predefined entities), a `<Stream url>` that is `wss://` with no query string, and
    /// `<Parameter>` pairs under Twilio's length limit.
    public static func problems(in xml: String) -> [String] {
        let elements: [Element]
        do {
            elements = try parse(xml)
        } catch let error as TwiMLSyntaxError {
            return ["the TwiML is not well-formed XML: \(error.reason)"]
        } catch {
            return ["the TwiML is not well-formed XML"]
        }
        var out: [String] = []
        if elements.first?.name != "Response" { out.append("the root element is not <Response>") }
        let streams = elements.filter { $0.name == "Stream" }
        if streams.count != 1 { out.append("expected one <Stream>, found \(streams.count)") }
        for stream in streams {
            guard let url = stream.attributes["url"] else { out.append("<Stream> has no url"); continue }
            if !url.hasPrefix("wss://") { out.append("<Stream url=\"\(url)\"> must start with wss:// (Twilio error 31910)") }
            if url.contains("?") { out.append("<Stream url=\"\(url)\"> has a query string, which Twilio does not allow; use <Parameter>") }
            let host = url.dropFirst("wss://".count).prefix { $0 != "/" && $0 != "?" }
            if host.isEmpty { out.append("<Stream url=\"\(url)\"> has no host") }
        }
        for parameter in elements where parameter.name == "Parameter" {
            let name = parameter.attributes["name"] ?? "", value = parameter.attributes["value"] ?? ""
            if name.isEmpty { out.append("a <Parameter> has no name") }
            if name.count + value.count >= TwiML.parameterLengthLimit {
                out.append("<Parameter name=\"\(name)\"> is \(name.count + value.count) characters; Twilio allows fewer than \(TwiML.parameterLengthLimit)")
            }
        }
        return out
    }

    /// The `<Parameter>` pairs of a stream document, in order, as Twilio hands them back in
    /// `start.customParameters` (tab, line feed and carriage return read as spaces, XML 1.0
    /// §3.3.3); nil when the document is not well-formed.
    public static func streamParameters(in xml: String) -> [(String, String)]? {
        guard let elements = try? parse(xml) else { return nil }
        return elements.filter { $0.name == "Parameter" }.map { element in
            let value = (element.attributes["value"] ?? "").map { $0 == "\t" || $0 == "\n" || $0 == "\r" ? " " : $0 }
            return (element.attributes["name"] ?? "", String(value))
        }
    }

    /// The elements in document order; throws on anything not well-formed.
    static func parse(_ xml: String) throws -> [Element] {
        var rest = Substring(xml)
        if rest.hasPrefix("<?xml") {
            guard let end = rest.range(of: "?>") else { throw TwiMLSyntaxError(reason: "the XML declaration is not closed") }
            rest = rest[end.upperBound...]
        }
        var elements: [Element] = []
        var open: [String] = []
        var roots = 0
        while let start = rest.firstIndex(of: "<") {
            let text = rest[..<start]
            if open.isEmpty && !text.allSatisfy(\.isWhitespace) { throw TwiMLSyntaxError(reason: "text outside the root element") }
            try checkEntities(String(text))
            guard let end = rest[start...].firstIndex(of: ">") else { throw TwiMLSyntaxError(reason: "a tag is not closed") }
            var tag = rest[rest.index(after: start)..<end]
            rest = rest[rest.index(after: end)...]
            if tag.hasPrefix("/") {
                let name = tag.dropFirst().trimmingCharacters(in: .whitespaces)
                guard open.popLast() == name else { throw TwiMLSyntaxError(reason: "</\(name)> closes nothing open") }
                continue
            }
            let selfClosing = tag.hasSuffix("/")
            if selfClosing { tag = tag.dropLast() }
            let name = String(tag.prefix { !$0.isWhitespace })
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
                throw TwiMLSyntaxError(reason: "'<\(tag)>' is not a valid tag")
            }
            if open.isEmpty { roots += 1 }
            guard roots == 1 else { throw TwiMLSyntaxError(reason: "more than one root element") }
            elements.append(Element(name: name, attributes: try attributes(tag.dropFirst(name.count))))
            if !selfClosing { open.append(name) }
        }
        guard open.isEmpty else { throw TwiMLSyntaxError(reason: "<\(open.last!)> is never closed") }
        guard rest.allSatisfy(\.isWhitespace) else { throw TwiMLSyntaxError(reason: "text after the root element") }
        guard roots == 1 else { throw TwiMLSyntaxError(reason: "no root element") }
        return elements
    }

    /// `name="value"` pairs (double or single quotes), values with entities decoded.
    private static func attributes(_ text: Substring) throws -> [String: String] {
        var out: [String: String] = [:]
        var rest = text.drop { $0.isWhitespace }
        while !rest.isEmpty {
            guard let equals = rest.firstIndex(of: "=") else { throw TwiMLSyntaxError(reason: "an attribute has no value") }
            let name = rest[..<equals].trimmingCharacters(in: .whitespaces)
            var after = rest[rest.index(after: equals)...].drop { $0.isWhitespace }
            guard let quote = after.first, quote == "\"" || quote == "'" else {
                throw TwiMLSyntaxError(reason: "the value of \(name) is not quoted")
            }
            after = after.dropFirst()
            guard let close = after.firstIndex(of: quote) else { throw TwiMLSyntaxError(reason: "the value of \(name) is not closed") }
            let raw = String(after[..<close])
            guard !raw.contains("<") else { throw TwiMLSyntaxError(reason: "the value of \(name) contains '<'") }
            try checkEntities(raw)
            guard out[name] == nil else { throw TwiMLSyntaxError(reason: "\(name) appears twice") }
            out[name] = decoded(raw)
            rest = after[after.index(after: close)...].drop { $0.isWhitespace }
        }
        return out
    }

    private static let entities = ["&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": "\"", "&apos;": "'"]

    /// Every `&` must start one of the five predefined entities (XML 1.0 §4.6).
    private static func checkEntities(_ text: String) throws {
        var rest = Substring(text)
        while let amp = rest.firstIndex(of: "&") {
            let tail = rest[amp...]
            guard let entity = entities.keys.first(where: { tail.hasPrefix($0) }) else {
                throw TwiMLSyntaxError(reason: "a bare '&' (write &amp;)")
            }
            rest = tail.dropFirst(entity.count)
        }
    }

    private static func decoded(_ text: String) -> String {
        var out = text
        for (entity, character) in entities where entity != "&amp;" { out = out.replacingOccurrences(of: entity, with: character) }
        return out.replacingOccurrences(of: "&amp;", with: "&")
    }
}

/// Why a document is not well-formed XML.
struct TwiMLSyntaxError: Error {
    let reason: String
}
