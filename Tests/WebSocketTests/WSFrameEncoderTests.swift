import Testing
import WebSocket

@Suite("WSFrameEncoder")
struct WSFrameEncoderTests {
    static let hello = Array("Hello".utf8)
    /// The masking key of RFC 6455 §5.7's examples: 0x37 0xfa 0x21 0x3d.
    static let rfcKey: UInt32 = 0x37FA_213D

    private func encode(_ opcode: WSOpcode, _ payload: [UInt8], fin: Bool = true, key: UInt32? = nil) -> [UInt8] {
        var buffer: [UInt8] = []
        WSFrameEncoder.append(opcode: opcode, payload: payload, fin: fin, maskingKey: key, into: &buffer)
        return buffer
    }

    @Test func encoder_writesRFCUnmaskedHello() {
        #expect(encode(.text, Self.hello) == [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f])
    }

    @Test func encoder_writesRFCMaskedHello() {
        #expect(encode(.text, Self.hello, key: Self.rfcKey) == [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58])
    }

    @Test func encoder_writesRFCFragments() {
        #expect(encode(.text, Array("Hel".utf8), fin: false) == [0x01, 0x03, 0x48, 0x65, 0x6c])
        #expect(encode(.continuation, Array("lo".utf8)) == [0x80, 0x02, 0x6c, 0x6f])
    }

    @Test func encoder_writesRFCPingAndMaskedPong() {
        #expect(encode(.ping, Self.hello) == [0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f])
        #expect(encode(.pong, Self.hello, key: Self.rfcKey) == [0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58])
    }

    @Test func writeHeader_matchesAppendForEveryLengthFormAndMask() {
        for count in [0, 1, 125, 126, 127, 65535, 65536, 70000] {
            for key: UInt32? in [nil, Self.rfcKey] {
                for (opcode, fin) in [(WSOpcode.text, true), (.binary, false), (.continuation, true)] {
                    let payload = [UInt8](repeating: 0x5A, count: count)
                    let expected = encode(opcode, payload, fin: fin, key: key)
                    let headerSize = WSFrameEncoder.headerSize(payloadCount: count, masked: key != nil)
                    var header = [UInt8](repeating: 0xEE, count: 14)
                    let written = header.withUnsafeMutableBytes {
                        WSFrameEncoder.writeHeader(opcode: opcode, payloadCount: count, fin: fin, maskingKey: key, into: $0)
                    }
                    #expect(written == headerSize)
                    #expect(Array(header.prefix(written)) == Array(expected.prefix(headerSize)), "count \(count), key \(String(describing: key))")
                }
            }
        }
    }

    @Test func encoder_usesShortestLengthForms() {
        #expect(Array(encode(.binary, [UInt8](repeating: 0, count: 125)).prefix(2)) == [0x82, 0x7D])
        #expect(Array(encode(.binary, [UInt8](repeating: 0, count: 126)).prefix(4)) == [0x82, 0x7E, 0x00, 0x7E])
        let frame256 = encode(.binary, [UInt8](repeating: 0xAB, count: 256))
        #expect(Array(frame256.prefix(4)) == [0x82, 0x7E, 0x01, 0x00])
        #expect(frame256.count == 260)
        #expect(Array(encode(.binary, [UInt8](repeating: 0, count: 65535)).prefix(4)) == [0x82, 0x7E, 0xFF, 0xFF])
        let frame64K = encode(.binary, [UInt8](repeating: 0xCD, count: 65536))
        #expect(Array(frame64K.prefix(10)) == [0x82, 0x7F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00])
        #expect(frame64K.count == 65546)
        #expect(WSFrameEncoder.headerSize(payloadCount: 65536, masked: true) == 14)
    }

    @Test func encoder_appendsAfterExistingBytesAndFromRawBuffers() {
        var buffer: [UInt8] = [0xEE]
        Self.hello.withUnsafeBytes { raw in
            WSFrameEncoder.append(opcode: .text, payload: raw, maskingKey: Self.rfcKey, into: &buffer)
        }
        WSFrameEncoder.append(opcode: .pong, payload: [], into: &buffer)
        #expect(buffer == [0xEE, 0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58, 0x8A, 0x00])
    }

    @Test func encoder_roundTripsMaskedFramesThroughServerParser() throws {
        let payload = (0..<70000).map { UInt8(truncatingIfNeeded: $0) }
        var wire: [UInt8] = []
        WSFrameEncoder.append(opcode: .binary, payload: payload, maskingKey: WSFrameEncoder.randomMaskingKey(), into: &wire)
        var parser = WSFrameParser(role: .server)
        parser.append(wire)
        #expect(try parser.next() == WSFrame(opcode: .binary, payload: payload))
    }

    @Test func encoder_maskingKeysStayUnpredictableAcrossPoolRefills() {
        let keys = (0..<1_000).map { _ in WSFrameEncoder.randomMaskingKey() }
        // 1,000 draws from 2^32 values: a repeat is ~1e-4 likely; a broken refill repeats 64-key runs.
        #expect(Set(keys).count >= 998)
        #expect(Set(keys.map { $0 >> 24 }).count > 200, "every key byte varies")
    }

    @Test func encoder_randomMaskingKeysDiffer() {
        let keys = Set((0..<8).map { _ in WSFrameEncoder.randomMaskingKey() })
        #expect(keys.count > 1)
    }
}
