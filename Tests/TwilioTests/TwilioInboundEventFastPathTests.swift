import Testing
import JSON
@testable import Twilio

/// `decodeFrequent` (the per-frame fast path for `media` and `mark`) must give exactly what the
/// full parse gives, or decline: it is checked against `decode(json: JSON.parse(…))` on every
/// variant of the two events below — each field replaced by each odd value, dropped, repeated,
/// reordered, spaced out, cut short, or hit by a stray byte.
@Suite("TwilioInboundEvent fast path")
struct TwilioInboundEventFastPathTests {
    /// An event as named fields, so variants can be written by substitution.
    struct Template {
        var fields: [(name: String, value: String)]
        var nested: String
        var nestedFields: [(name: String, value: String)]

        func text(separator: String = "") -> String {
            func object(_ members: [(name: String, value: String)]) -> String {
                "{" + separator + members.map { "\"\($0.name)\"" + separator + ":" + separator + $0.value }
                    .joined(separator: separator + "," + separator) + separator + "}"
            }
            let inner = object(nestedFields)
            return object(fields.map { $0.name == nested ? ($0.name, inner) : $0 })
        }
    }

    static let media = Template(
        fields: [("event", #""media""#), ("sequenceNumber", #""3""#), ("streamSid", #""MZ18ad3ab5a668481ce02b83e7395059f0""#),
                 ("media", "")],
        nested: "media",
        nestedFields: [("track", #""inbound""#), ("chunk", #""1""#), ("timestamp", #""5""#), ("payload", #""/////w==""#)])

    static let mark = Template(
        fields: [("event", #""mark""#), ("sequenceNumber", #""12""#), ("streamSid", #""MZ18ad3ab5a668481ce02b83e7395059f0""#),
                 ("mark", "")],
        nested: "mark",
        nestedFields: [("name", #""item_1:240""#)])

    static let oddValues = [
        #""""#, #""x""#, #""7""#, #""-3""#, #""+5""#, #""007""#, #"" 7""#, #""1.5""#, #""99999999999999999999""#,
        "7", "-0", "0", "007", "1.0", "1e2", "123456789012345", "1234567890123456", "-", "tru",
        "true", "false", "null", "{}", #"{"payload":"AAAA"}"#, #"{"name":"x"}"#, "[]", #"["a"]"#,
        #""\u0041""#, #""a\"b""#, #""é""#, #""/////w==""#, #""AAA""#, #""AA=A""#, #""bad base64!""#,
        #""media""#, #""mark""#,
    ]

    static func variants(of template: Template) -> [String] {
        var out = [template.text(), template.text(separator: " "), template.text(separator: "\n\t\r ")]
        for index in template.fields.indices where template.fields[index].name != template.nested {
            for value in oddValues {
                var t = template; t.fields[index].value = value; out.append(t.text())
            }
            var dropped = template; dropped.fields.remove(at: index); out.append(dropped.text())
            var repeated = template; repeated.fields.append((template.fields[index].name, #""dup""#)); out.append(repeated.text())
        }
        for index in template.nestedFields.indices {
            for value in oddValues {
                var t = template; t.nestedFields[index].value = value; out.append(t.text())
            }
            var dropped = template; dropped.nestedFields.remove(at: index); out.append(dropped.text())
            var repeated = template; repeated.nestedFields.append((template.nestedFields[index].name, #""QUJD""#)); out.append(repeated.text())
        }
        var reversed = template; reversed.fields.reverse(); reversed.nestedFields.reverse(); out.append(reversed.text())
        var nestedTwice = template; nestedTwice.fields.append((template.nested, #"{"track":"x"}"#)); out.append(nestedTwice.text())
        var notObject = template; notObject.fields.append((template.nested, #""text""#)); out.append(notObject.text())
        let base = Array(template.text().utf8)
        for cut in 0..<base.count { out.append(String(decoding: base[0..<cut], as: UTF8.self)) }
        for position in 0..<base.count {
            for byte: UInt8 in [0x22, 0x5C, 0x7D, 0x2C, 0x20, 0x00, 0x7B, 0x5B] {
                var bytes = base; bytes[position] = byte; out.append(String(decoding: bytes, as: UTF8.self))
            }
        }
        out.append(template.text() + " ")
        out.append(template.text() + "x")
        out.append("[" + template.text() + "]")
        return out
    }

    private func full(_ text: String) -> Result<TwilioInboundEvent, TwilioEventError> {
        Result { () throws(TwilioEventError) -> TwilioInboundEvent in
            let json: JSON
            do throws(JSONError) { json = try JSON.parse(text) } catch { throw TwilioEventError(.notJSON(error)) }
            return try TwilioInboundEvent.decode(json: json)
        }
    }

    @Test(arguments: ["media", "mark"])
    func fastPath_agreesWithTheFullParse(event: String) {
        let texts = Self.variants(of: event == "media" ? Self.media : Self.mark)
        var taken = 0
        for text in texts {
            var copy = text
            let fast = copy.withUTF8 { TwilioInboundEvent.decodeFrequent(UnsafeRawBufferPointer($0)) }
            let expected = full(text)
            if let fast {
                taken += 1
                #expect(expected == .success(fast), "fast path disagrees on \(text)")
            }
            // The public entry point (fast path first) answers exactly as the full parse does.
            #expect(Result { () throws(TwilioEventError) in try TwilioInboundEvent.decode(text) } == expected, "\(text)")
        }
        // The variants keep the usual shape often enough that the fast path must have been taken.
        #expect(taken > 50, "fast path taken \(taken) times of \(texts.count)")
    }

    /// `frequent` (what the call reads of the two events, in place) answers exactly when
    /// `decodeFrequent` does, with the same payload or name.
    @Test(arguments: ["media", "mark"])
    func frequent_agreesWithTheFastPath(event: String) {
        var taken = 0
        for text in Self.variants(of: event == "media" ? Self.media : Self.mark) {
            var copy = text
            copy.withUTF8 { utf8 in
                let bytes = UnsafeRawBufferPointer(utf8)
                let decoded = TwilioInboundEvent.decodeFrequent(bytes)
                switch (TwilioInboundEvent.frequent(bytes), decoded) {
                case (.media(let payload)?, .media(let media)?):
                    taken += 1
                    #expect(String(decoding: payload, as: UTF8.self) == media.payload, "\(text)")
                case (.mark(let name)?, .mark(let expected, _)?):
                    taken += 1
                    #expect(String(decoding: name, as: UTF8.self) == expected, "\(text)")
                case (nil, nil):
                    break
                default:
                    Issue.record("frequent and decodeFrequent disagree on \(text)")
                }
            }
        }
        #expect(taken > 50)
    }

    @Test func fastPath_takesTheEventsTwilioSends() {
        for text in [TwilioInboundEventTests.media, TwilioInboundEventTests.mark] {
            var copy = text
            #expect(copy.withUTF8 { TwilioInboundEvent.decodeFrequent(UnsafeRawBufferPointer($0)) } != nil)
        }
        var start = TwilioInboundEventTests.start
        #expect(start.withUTF8 { TwilioInboundEvent.decodeFrequent(UnsafeRawBufferPointer($0)) } == nil)
    }
}
