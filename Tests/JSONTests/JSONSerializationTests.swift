import Testing
import JSON
import TestSupport

@Suite("JSON.serialized")
struct JSONSerializationTests {
    // PROTOCOLS.md §1, an inbound Twilio media event as it arrives (numbers as strings).
    static let twilioMedia = #"{"event":"media","sequenceNumber":"3","streamSid":"MZ18ad3ab5a668481ce02b83e7395059f0","media":{"track":"inbound","chunk":"1","timestamp":"5","payload":"/////w=="}}"#

    @Test func serialized_isCompactInInsertionOrder() {
        let value: JSON = ["z": 1, "a": [true, false, nil], "m": ["k": "v"]]
        #expect(value.serialized() == #"{"z":1,"a":[true,false,null],"m":{"k":"v"}}"#)
    }

    @Test func serialized_escapesQuoteBackslashAndControlCharacters() {
        let value = JSON.string("\"\\/\u{08}\u{0C}\n\r\t\u{01}\u{1F}é😀\u{7F}")
        #expect(value.serialized() == #""\"\\/\b\f\n\r\t\u0001\u001fé😀"# + "\u{7F}\"")
    }

    @Test func serialized_escapesQuoteNextToCombiningMark() throws {
        // A quote followed by U+0301 is one Character; escaping must still split them.
        let text = "a\"\u{301}b"
        let quoted = JSON.quoted(text)
        #expect(quoted == "\"a\\\"\u{301}b\"")
        #expect(try JSON.parse(quoted) == .string(text))
    }

    @Test(arguments: [
        (1.0, "1"),
        (-0.0, "-0"),
        (0.1, "0.1"),
        (1e300, "1e+300"),
        (12_345_678_901_234, "12345678901234"),
        (-42, "-42"),
        (9_007_199_254_740_992, "9007199254740992"),
        (18_014_398_509_481_984, "1.8014398509481984e+16"),
        (0.5, "0.5"),
        (2.5e-7, "2.5e-07"),
        (Double.nan, "null"),
        (Double.infinity, "null"),
        (-Double.infinity, "null"),
    ] as [(Double, String)])
    func serialized_numbers(value: Double, expected: String) {
        #expect(JSON.number(value).serialized() == expected)
    }

    @Test func serializedNumbers_parseBackBitForBit() throws {
        var generator = SplitMix64(seed: 0x5EED)
        for _ in 0..<2_000 {
            let value = Double(bitPattern: generator.next())
            guard value.isFinite else { continue }
            let text = JSON.number(value).serialized()
            let back = try #require(try JSON.parse(text).doubleValue)
            #expect(back.bitPattern == value.bitPattern, "\(text)")
        }
    }

    @Test func roundTrip_rfcExamplesAndTwilioEvent() throws {
        for text in [JSONParsingTests.rfcImage, JSONParsingTests.rfcLocations, Self.twilioMedia] {
            let value = try JSON.parse(text)
            #expect(try JSON.parse(value.serialized()) == value)
        }
        // Compact input with no escapes serializes back byte for byte.
        #expect(try JSON.parse(Self.twilioMedia).serialized() == Self.twilioMedia)
    }

    @Test func twilioMediaLiteral_readsFieldByField() throws {
        let event = try JSON.parse(Self.twilioMedia)
        #expect(event["event"] == "media")
        #expect(event["sequenceNumber"]?.stringValue == "3")
        #expect(event["media"]?["payload"]?.stringValue == "/////w==")
        #expect(event["media"]?["timestamp"]?.intValue == nil) // a string, not a number
    }

    @Test func quoted_buildsStringLiteral() {
        #expect(JSON.quoted("MZ123") == #""MZ123""#)
        #expect(JSON.quoted(#"say "hi"\now"#) == #""say \"hi\"\\now""#)
        #expect(JSON.quoted("") == #""""#)
        var output = "x="
        JSON.appendQuoted("a\nb", to: &output)
        #expect(output == #"x="a\nb""#)
    }
}
