import Testing
@testable import JSON

@Suite("JSON.parse")
struct JSONParsingTests {
    // RFC 8259 §13, first example.
    static let rfcImage = """
    {
          "Image": {
              "Width":  800,
              "Height": 600,
              "Title":  "View from 15th Floor",
              "Thumbnail": {
                  "Url":    "http://www.example.com/image/481989943",
                  "Height": 125,
                  "Width":  100
              },
              "Animated" : false,
              "IDs": [116, 943, 234, 38793]
            }
        }
    """

    // RFC 8259 §13, second example.
    static let rfcLocations = """
    [
            {
               "precision": "zip",
               "Latitude":  37.7668,
               "Longitude": -122.3959,
               "Address":   "",
               "City":      "SAN FRANCISCO",
               "State":     "CA",
               "Zip":       "94107",
               "Country":   "US"
            },
            {
               "precision": "zip",
               "Latitude":  37.371991,
               "Longitude": -122.026020,
               "Address":   "",
               "City":      "SUNNYVALE",
               "State":     "CA",
               "Zip":       "94085",
               "Country":   "US"
            }
    ]
    """

    @Test func parse_rfc8259ImageExample() throws {
        let value = try JSON.parse(Self.rfcImage)
        let image = try #require(value["Image"])
        #expect(image["Width"]?.intValue == 800)
        #expect(image["Title"]?.stringValue == "View from 15th Floor")
        #expect(image["Thumbnail"]?["Url"]?.stringValue == "http://www.example.com/image/481989943")
        #expect(image["Animated"]?.boolValue == false)
        #expect(image["IDs"] == [116, 943, 234, 38793])
        #expect(image.objectValue?.keys == ["Width", "Height", "Title", "Thumbnail", "Animated", "IDs"])
    }

    @Test func parse_rfc8259LocationsExample() throws {
        let value = try JSON.parse(Self.rfcLocations)
        #expect(value.arrayValue?.count == 2)
        #expect(value[0]?["Latitude"]?.doubleValue == 37.7668)
        #expect(value[1]?["Longitude"]?.doubleValue == -122.026020)
        #expect(value[1]?["City"] == "SUNNYVALE")
        #expect(value[0]?["Address"] == "")
    }

    @Test func parse_rfc8259ScalarTexts() throws {
        #expect(try JSON.parse("\"Hello world!\"") == "Hello world!")
        #expect(try JSON.parse("42") == 42)
        #expect(try JSON.parse("true") == true)
        #expect(try JSON.parse(" \t\r\n null \n") == .null)
    }

    @Test func parse_allSimpleEscapes() throws {
        let value = try JSON.parse(#""\"\\\/\b\f\n\r\t""#)
        #expect(value == .string("\"\\/\u{08}\u{0C}\n\r\t"))
    }

    @Test func parse_unicodeEscapesAndRawUTF8() throws {
        #expect(try JSON.parse(#""\u00e9\u20AC""#) == "é€")
        #expect(try JSON.parse("\"é€ 日本\"") == "é€ 日本")
        #expect(try JSON.parse(#""a\u0000b""#) == .string("a\u{0}b"))
    }

    @Test func parse_joinsSurrogatePairs() throws {
        // RFC 8259 §7: G clef U+1D11E is "\uD834\uDD1E".
        #expect(try JSON.parse(#""\uD834\uDD1E""#) == "\u{1D11E}")
        #expect(try JSON.parse(#""x\ud83d\ude00y""#) == "x😀y")
    }

    @Test func parse_replacesLoneSurrogatesWithReplacementCharacter() throws {
        #expect(try JSON.parse(#""\ud800""#) == "\u{FFFD}")
        #expect(try JSON.parse(#""\udc00x""#) == "\u{FFFD}x")
        #expect(try JSON.parse(#""\ud800\u0041""#) == "\u{FFFD}A")
        #expect(try JSON.parse(#""\ud800\ud800\udc00""#) == "\u{FFFD}\u{10000}")
    }

    @Test func parse_numbers() throws {
        let negativeZero = try #require(try JSON.parse("-0").doubleValue)
        #expect(negativeZero == 0 && negativeZero.sign == .minus)
        #expect(try JSON.parse("1e300").doubleValue == 1e300)
        #expect(try JSON.parse("0.1").doubleValue == 0.1)
        #expect(try JSON.parse("12345678901234").intValue == 12_345_678_901_234)
        #expect(try JSON.parse("1E+2").intValue == 100)
        #expect(try JSON.parse("2.5e-3").doubleValue == 0.0025)
        #expect(try JSON.parse("-122.026020").doubleValue == -122.02602)
        #expect(try JSON.parse("123456789012345678901234567890").doubleValue == 1.2345678901234568e29)
        #expect(try JSON.parse("9007199254740993").doubleValue == 9_007_199_254_740_992)
        #expect(try JSON.parse("1e-400").doubleValue == 0)
        #expect(try JSON.parse("0.000000000000000000000000001").doubleValue == 1e-27)
    }

    @Test func parse_findsSpecialBytesAtEveryPositionOfLongStrings() throws {
        // Long plain runs are skipped eight bytes at a time; each special byte must still be seen
        // wherever it falls within a word.
        for position in 0..<24 {
            let before = String(repeating: "a", count: position)
            let after = String(repeating: "b", count: 24 - position)
            #expect(try JSON.parse("\"\(before)\\n\(after)\"") == .string(before + "\n" + after))
            #expect(try JSON.parse("\"\(before)é\(after)\"") == .string(before + "é" + after))
            let control = #expect(throws: JSONError.self) { try JSON.parse("\"\(before)\u{1F}\(after)\"") }
            #expect(control?.offset == 1 + position)
            let quote = #expect(throws: JSONError.self) { try JSON.parse("\"\(before)\"\(after)\"") }
            #expect(quote?.offset == 2 + position)
            let invalid = #expect(throws: JSONError.self) { try JSON.parse([0x22] + Array(before.utf8) + [0xFF] + Array(after.utf8) + [0x22]) }
            #expect(invalid?.offset == 1 + position)
        }
    }

    @Test func parse_byteOverloadsAgree() throws {
        let text = #"{"a":[1,"b",null]}"#
        let bytes = Array(text.utf8)
        let fromRaw = try bytes.withUnsafeBytes { raw in try JSON.parse(raw) }
        #expect(try JSON.parse(bytes) == JSON.parse(text))
        #expect(fromRaw == ["a": [1, "b", nil]])
    }

    @Test(arguments: [
        ("", 0, "unexpected end of input"),
        ("[1,]", 3, "expected a value"),
        ("01", 0, "leading zeros"),
        ("-01", 0, "leading zeros"),
        (#"{"a":1} x"#, 8, "after the JSON value"),
        (#""abc"#, 0, "unterminated string"),
        ("1.", 2, "decimal point"),
        ("-", 1, "after '-'"),
        (".5", 0, "expected a value"),
        ("+1", 0, "expected a value"),
        ("1e", 2, "exponent"),
        ("tru", 0, "expected 'true'"),
        ("nulL", 0, "expected 'null'"),
        ("[1 2]", 3, "expected ',' or ']'"),
        (#"{"a" 1}"#, 5, "expected ':'"),
        ("{1:2}", 1, "member name"),
        (#"{"a":1,}"#, 7, "member name"),
        ("NaN", 0, "expected a value"),
        ("'a'", 0, "expected a value"),
        (#""\x""#, 1, "invalid escape"),
        (#""\u12G4""#, 5, "hex digit"),
        ("1e400", 0, "out of the range"),
        ("[", 1, "unexpected end of input"),
    ] as [(String, Int, String)])
    func parse_rejectsInvalidTextWithOffset(text: String, offset: Int, reason: String) {
        let error = #expect(throws: JSONError.self) { try JSON.parse(text) }
        #expect(error?.offset == offset)
        #expect(error?.reason.contains(reason) == true, "\(String(describing: error))")
    }

    @Test(arguments: [
        ([0x22, 0x61, 0x01, 0x22], 2, "control character U+0001"),
        ([0x22, 0xC3, 0x28, 0x22], 1, "invalid UTF-8"),
        ([0x22, 0xC0, 0xAF, 0x22], 1, "invalid UTF-8"),         // overlong '/'
        ([0x22, 0xED, 0xA0, 0x80, 0x22], 1, "invalid UTF-8"),   // UTF-8-encoded surrogate
        ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], 1, "invalid UTF-8"), // past U+10FFFF
        ([0x22, 0xE2, 0x82], 1, "invalid UTF-8"),               // truncated
        ([0xEF, 0xBB, 0xBF, 0x31], 0, "expected a value"),      // byte-order mark
        ([0x5B, 0xFF, 0x5D], 1, "byte 0xFF"),
    ] as [([UInt8], Int, String)])
    func parse_rejectsInvalidBytesWithOffset(bytes: [UInt8], offset: Int, reason: String) {
        let error = #expect(throws: JSONError.self) { try JSON.parse(bytes) }
        #expect(error?.offset == offset)
        #expect(error?.reason.contains(reason) == true, "\(String(describing: error))")
    }

    @Test func parse_acceptsNestingUpToTheDepthLimit() throws {
        let depth = JSON.maximumDepth
        let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        var value = try JSON.parse(text)
        for _ in 1..<depth { value = try #require(value[0]) }
        #expect(value == [])
    }

    @Test func parse_rejectsNestingPastTheDepthLimit() {
        let depth = JSON.maximumDepth + 1
        let text = String(repeating: #"{"a":["#, count: depth / 2 + 1)
        #expect(throws: JSONError.self) { try JSON.parse(text) }
        let arrays = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        let error = #expect(throws: JSONError.self) { try JSON.parse(arrays) }
        #expect(error?.offset == JSON.maximumDepth)
        #expect(error?.reason == "nesting deeper than 64 arrays/objects")
    }

    @Test func error_describesOffsetAndReason() {
        let error = JSONError(offset: 7, reason: "unterminated string")
        #expect(error.description == "invalid JSON at byte 7: unterminated string")
    }
}
