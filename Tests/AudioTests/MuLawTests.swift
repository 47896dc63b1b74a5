import Testing
import Audio

/// G.711 μ-law, checked against literal values and against CPython's `audioop`, the reference codec.
@Suite struct MuLawTests {
    @Test func decode_knownCodes() {
        #expect(MuLaw.decode(0xFF) == 0)
        #expect(MuLaw.decode(0x7F) == 0)
        #expect(MuLaw.decode(0x00) == -32124)
        #expect(MuLaw.decode(0x80) == 32124)
        #expect(MuLaw.decode(0xFE) == 8)
        #expect(MuLaw.decode(0x7E) == -8)
    }

    @Test func encode_knownSamples() {
        #expect(MuLaw.encode(0) == 0xFF)
        #expect(MuLaw.encode(Int16.max) == 0x80)
        #expect(MuLaw.encode(Int16.min) == 0x00)
        #expect(MuLaw.encode(32124) == 0x80)
        #expect(MuLaw.encode(-32124) == 0x00)
        // The 14-bit shift floors negatives: -1 >> 2 == -1, a nonzero negative magnitude.
        #expect(MuLaw.encode(-1) == 0x7E)
    }

    @Test func decode_matchesAudioopForAll256Codes() throws {
        let reference = try Self.audioop("""
            a = array.array('h'); a.frombytes(audioop.ulaw2lin(bytes(range(256)), 2))
            """)
        try #require(reference.count == 512)
        for code in 0...255 {
            let expected = Int16(bitPattern: UInt16(reference[2 * code]) | UInt16(reference[2 * code + 1]) << 8)
            #expect(MuLaw.decode(UInt8(code)) == expected, "code 0x\(String(code, radix: 16))")
        }
    }

    @Test func encode_matchesAudioopForEvery16BitSample() throws {
        // All 65 536 inputs rather than a sweep: it costs a few milliseconds.
        let reference = try Self.audioop("""
            a = array.array('B', audioop.lin2ulaw(array.array('h', range(-32768, 32768)).tobytes(), 2))
            """)
        try #require(reference.count == 65536)
        let ours = MuLaw.encode((-32768...32767).map { Int16($0) })
        let mismatches = (0..<65536).filter { ours[$0] != reference[$0] }
        #expect(mismatches.isEmpty, "first mismatching samples: \(mismatches.prefix(5).map { $0 - 32768 })")
    }

    @Test func sequenceForms_matchScalarForms() {
        let codes = (0...255).map { UInt8($0) }
        #expect(MuLaw.decode(codes) == codes.map { MuLaw.decode($0) })
        let samples: [Int16] = [Int16.min, -12345, -100, -5, -1, 0, 1, 5, 100, 12345, Int16.max]
        #expect(MuLaw.encode(samples) == samples.map { MuLaw.encode($0) })
        #expect(MuLaw.decode(codes.lazy.filter { $0 > 0x7F }) == (0x80...0xFF).map { MuLaw.decode(UInt8($0)) })
    }

    @Test func encode_inverseOfDecodeOnEveryCode() {
        for code in 0...255 where code != 0x7F {
            // 0x7F is "negative zero" and encodes back as 0xFF.
            #expect(MuLaw.encode(MuLaw.decode(UInt8(code))) == UInt8(code))
        }
        #expect(MuLaw.encode(MuLaw.decode(0x7F)) == 0xFF)
    }

    /// Runs `statement` under python3 (which must define `a`, an array) and returns `a`'s bytes in
    /// little-endian order.
    static func audioop(_ statement: String) throws -> [UInt8] {
        let script = """
            import sys, warnings, array
            warnings.simplefilter('ignore')
            import audioop
            \(statement)
            if sys.byteorder == 'big': a.byteswap()
            sys.stdout.buffer.write(a.tobytes())
            """
        let output: ExternalTool.Output
        do {
            output = try ExternalTool.run("python3", ["-c", script])
        } catch {
            throw ExternalTool.ToolFailure(message: "cannot start python3 (\(error)); the μ-law tests need "
                + "python3 with the audioop module (Python 3.11 or 3.12) as the reference codec")
        }
        guard output.status == 0 else {
            throw ExternalTool.ToolFailure(message: "python3 with the audioop module (Python 3.11 or 3.12) "
                + "is required as the reference μ-law codec, and it failed (exit \(output.status)): \(output.stderr)")
        }
        return output.stdout
    }
}
