import Foundation
import Testing
import Base64

@Suite struct Base64Tests {
    @Test func encodeAndDecode_agreeWithFoundation_onEveryLengthUpTo200() {
        var generator = SystemRandomNumberGenerator()
        for length in 0...200 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let ours = bytes.withUnsafeBytes { Base64.encode($0) }
            #expect(ours == Data(bytes).base64EncodedString(), "length \(length)")
            var decoded: [UInt8] = [7]
            let ok = Array(ours.utf8).withUnsafeBytes { Base64.decode($0, appendingTo: &decoded) }
            #expect(ok && decoded == [7] + bytes, "length \(length)")
        }
    }

    @Test(arguments: ["A", "AB=", "A===", "AB=C", "=AAA", "AA-_", "AA A", "AAA\n", "////=AAA"])
    func decode_refusesWhatIsNotPaddedStandardBase64(text: String) {
        var output: [UInt8] = [1, 2]
        let ok = Array(text.utf8).withUnsafeBytes { Base64.decode($0, appendingTo: &output) }
        #expect(!ok, "\(text)")
        #expect(output == [1, 2], "a refused text leaves the output as it was")
    }

    @Test func isValid_acceptsPaddedStandardAlphabetOnly() {
        #expect(Base64.isValid(""))
        #expect(Base64.isValid("/////w=="))
        #expect(Base64.isValid("AAAA"))
        #expect(Base64.isValid("ab+/AB9="))
        #expect(!Base64.isValid("AAA"))          // not a multiple of 4
        #expect(!Base64.isValid("AA=A"))         // '=' inside
        #expect(!Base64.isValid("A==="))         // three '='
        #expect(!Base64.isValid("ab-_"))         // URL-safe alphabet
        #expect(!Base64.isValid("ab\"c"))        // would break a spliced string
        #expect(!Base64.isValid("AB C"))
    }

    @Test func encodeURL_isUnpaddedBase64URL_asRFC4648Section5() {
        #expect(Base64.encodeURL([]) == "")
        #expect(Base64.encodeURL([0xFB]) == "-w")
        #expect(Base64.encodeURL([0xFB, 0xFF]) == "-_8")
        #expect(Base64.encodeURL([0xFB, 0xFF, 0xBF]) == "-_-_")
        #expect(Base64.encodeURL(Array("hello".utf8)) == "aGVsbG8")
    }

    @Test func encode_appendingTo_matchesEncode() {
        for length in 0..<10 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 37 + 5) }
            var output: [UInt8] = [0x41]
            bytes.withUnsafeBytes { Base64.encode($0, appendingTo: &output) }
            #expect(String(decoding: output.dropFirst(), as: UTF8.self) == Base64.encode(bytes), "length \(length)")
            #expect(Base64.decode(Base64.encode(bytes)) == bytes)
        }
    }

    /// `alphabetEnd` (eight bytes a time) stops where a byte-by-byte walk stops, from any start.
    @Test func alphabetEnd_matchesAByteByByteWalk() {
        let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var bytes = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/AAAA".utf8)
        for position in 0..<bytes.count {
            for bad: UInt8 in [0x3D, 0x22, 0x2D, 0x5F, 0x00, 0x80, 0xFF, 0x20] {
                let saved = bytes[position]
                bytes[position] = bad
                bytes.withUnsafeBytes { raw in
                    for start in [0, 1, 7, 8, 9, position] where start <= raw.count {
                        var expected = start
                        while expected < raw.count, alphabet.contains(raw[expected]) { expected += 1 }
                        #expect(Base64.alphabetEnd(in: raw, from: start) == expected, "bad at \(position), start \(start)")
                    }
                }
                bytes[position] = saved
            }
        }
    }
}
