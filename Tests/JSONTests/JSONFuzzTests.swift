import Testing
import JSON
import TestSupport

@Suite("JSON fuzz")
struct JSONFuzzTests {
    /// Whatever the input, `parse` either fails at an offset inside the input or yields a value
    /// whose serialization parses back to the same value.
    private func check(_ bytes: [UInt8]) throws {
        let value: JSON
        do throws(JSONError) {
            value = try JSON.parse(bytes)
        } catch {
            #expect(error.offset >= 0 && error.offset <= bytes.count)
            return
        }
        #expect(try JSON.parse(value.serialized()) == value)
    }

    @Test func randomBytes_neverCrash() throws {
        var generator = SplitMix64(seed: 20_260_101)
        let alphabet = Array(#"{}[]:,"\ u0123456789abcdefEe+-.truefalsenull"#.utf8) + [0x00, 0x1F, 0x80, 0xC3, 0xED, 0xF4, 0xFF]
        for iteration in 0..<10_000 {
            let length = Int.random(in: 0...48, using: &generator)
            let bytes: [UInt8] = (0..<length).map { _ in
                // Half the runs draw from JSON's own characters, so parses get deep before failing.
                iteration.isMultiple(of: 2)
                    ? UInt8.random(in: 0...255, using: &generator)
                    : alphabet.randomElement(using: &generator)!
            }
            try check(bytes)
        }
    }

    @Test func mutatedEvents_neverCrash() throws {
        var generator = SplitMix64(seed: 42)
        let seed = Array(JSONSerializationTests.twilioMedia.utf8)
        var parsedCount = 0
        for _ in 0..<10_000 {
            var bytes = seed
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let position = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: bytes[position] = UInt8.random(in: 0...255, using: &generator)
                case 1: bytes.remove(at: position)
                default: bytes.insert(UInt8.random(in: 0...255, using: &generator), at: position)
                }
            }
            if (try? JSON.parse(bytes)) != nil { parsedCount += 1 }
            try check(bytes)
        }
        // Mutations inside string values keep the text valid: both outcomes must have occurred.
        #expect(parsedCount > 0 && parsedCount < 10_000)
    }
}
