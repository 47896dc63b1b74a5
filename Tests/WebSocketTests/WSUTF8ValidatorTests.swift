import Testing
import WebSocket

@Suite("WSUTF8Validator")
struct WSUTF8ValidatorTests {
    @Test func validator_acceptsValidText() {
        #expect(WSUTF8Validator.isValid(Array("Hello-µ@ßöäüàá-UTF-8!! κόσμε 𝄞".utf8)))
        #expect(WSUTF8Validator.isValid([]))
        // U+10FFFF, U+D7FF, U+E000: the edges of the valid range.
        #expect(WSUTF8Validator.isValid([0xF4, 0x8F, 0xBF, 0xBF, 0xED, 0x9F, 0xBF, 0xEE, 0x80, 0x80]))
    }

    @Test(arguments: [
        // (bytes, index of the byte where the input becomes invalid)
        ([0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xCF, 0x83, 0xCE, 0xBC, 0xCE, 0xB5, 0xED, 0xA0, 0x80, 0x65, 0x64], 12), // Autobahn 6.4.1: surrogate
        ([0xF4, 0x90, 0x80, 0x80], 1),   // past U+10FFFF
        ([0xE0, 0x80, 0xAF], 1),         // overlong 3-byte
        ([0xF0, 0x80, 0x80, 0xAF], 1),   // overlong 4-byte
        ([0xC0, 0xAF], 0),               // overlong 2-byte lead
        ([0x41, 0x80], 1),               // stray continuation
        ([0xF5], 0),                     // never a lead byte
        ([0xE2, 0x82, 0x41], 2),         // sequence cut by ASCII
    ] as [([UInt8], Int)])
    func validator_failsOnTheByteWhereInputBecomesInvalid(_ bytes: [UInt8], _ failingIndex: Int) {
        var validator = WSUTF8Validator()
        for (index, byte) in bytes.enumerated() {
            let accepted = validator.feed([byte])
            #expect(accepted == (index < failingIndex), "byte \(index)")
            if !accepted { break }
        }
        #expect(validator.hasFailed)
    }

    @Test func validator_tracksIncompleteSequencesAcrossFeeds() {
        var validator = WSUTF8Validator()
        let firstAccepted = validator.feed([0x48, 0xF0, 0x9D])
        #expect(firstAccepted)
        #expect(!validator.isComplete)
        let secondAccepted = validator.feed([0x84, 0x9E])
        #expect(secondAccepted)
        #expect(validator.isComplete)
        #expect(!WSUTF8Validator.isValid([0x48, 0xF0, 0x9D]))
    }

    @Test func validator_agreesWithTheStandardLibraryOnRandomInput() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let length = Int.random(in: 0...24, using: &generator)
            // Bias towards high bytes so multi-byte sequences and their errors are common.
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) | (Bool.random(using: &generator) ? 0x80 : 0) }
            let expected = String(validating: bytes, as: UTF8.self) != nil
            #expect(WSUTF8Validator.isValid(bytes) == expected, "\(bytes)")
        }
    }

    @Test func validator_fastPathHandlesLongASCIIRuns() {
        let ascii = [UInt8](repeating: 0x61, count: 1003)
        #expect(WSUTF8Validator.isValid(ascii))
        #expect(!WSUTF8Validator.isValid(ascii + [0xFF] + ascii))
        #expect(WSUTF8Validator.isValid(ascii + [0xC3, 0xA9] + ascii))
    }

    /// The 32- and 8-byte strides agree with the byte-by-byte automaton wherever a non-ASCII
    /// byte (valid or not) falls, and from any starting offset.
    @Test func validator_strideAgreesWithByteByByteFeeding() {
        for length in [31, 32, 33, 40, 64, 70, 100] {
            for position in 0..<length {
                for insert: [UInt8] in [[0xC3, 0xA9], [0xFF], [0xE2, 0x82], [0x80]] {
                    var bytes = [UInt8](repeating: 0x61, count: length)
                    bytes.replaceSubrange(position..<min(length, position + insert.count), with: insert.prefix(length - position))
                    var stepwise = WSUTF8Validator()
                    var stepwiseOK = true
                    for byte in bytes where stepwiseOK { stepwiseOK = stepwise.feed([byte]) }
                    for start in [0, 1, 5] where start <= length {
                        var whole = WSUTF8Validator()
                        var partsOK = whole.feed(Array(bytes[..<start]))
                        if partsOK { partsOK = whole.feed(Array(bytes[start...])) }
                        #expect(partsOK == stepwiseOK && whole.isComplete == stepwise.isComplete, "\(length) \(position) \(insert) \(start)")
                    }
                }
            }
        }
    }
}
