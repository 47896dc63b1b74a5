import Testing
import Config

/// Inputs that `scripts/fuzz` (target fuzz-dotenv) found, as the bytes it found them in.
@Suite struct DotEnvFuzzRegressionTests {
    /// crash-a16f09d1087ea61cb85d0d73336c18814c0fbe06 (`J==\t\t` U+05BD, an invalid byte): the
    /// value, written back as `J="=\t\t…"`, lost its second `\t` escape, because the combining
    /// mark U+05BD fused with the `t` into one Character.
    @Test func parse_escapeFollowedByACombiningMark_isStillAnEscape() throws {
        let input: [UInt8] = [0x4a, 0x3d, 0x3d, 0x09, 0x09, 0xd6, 0xbd, 0xc0]
        let values = try DotEnv.parse(String(decoding: input, as: UTF8.self))
        #expect(values == ["J": "=\t\t\u{05BD}\u{FFFD}"])
        let written = #"J="=\t\t"# + "\u{05BD}\u{FFFD}\""
        #expect(try DotEnv.parse(written) == values)
    }

    @Test func parse_combiningMarkAfterTheQuotes_staysInTheValue() throws {
        #expect(try DotEnv.parse("A=\"\u{0301}x\"") == ["A": "\u{0301}x"])
        #expect(try DotEnv.parse("B=\"x\\\"\u{0301}\"") == ["B": "x\"\u{0301}"])
    }
}
