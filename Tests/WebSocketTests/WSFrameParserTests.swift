import Testing
import WebSocket

@Suite("WSFrameParser")
struct WSFrameParserTests {
    /// RFC 6455 §5.7: a single-frame unmasked text message containing "Hello".
    static let unmaskedHello: [UInt8] = [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]
    /// RFC 6455 §5.7: a single-frame masked text message containing "Hello".
    static let maskedHello: [UInt8] = [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]
    static let hello = Array("Hello".utf8)

    static func parseAll(_ bytes: [UInt8], role: WSRole, maxFrameSize: Int = 1 << 20) throws -> [WSFrame] {
        var parser = WSFrameParser(role: role, maxFrameSize: maxFrameSize)
        parser.append(bytes)
        var frames: [WSFrame] = []
        while let frame = try parser.next() { frames.append(frame) }
        return frames
    }

    static func closeCode(_ bytes: [UInt8], role: WSRole, maxFrameSize: Int = 1 << 20) -> UInt16? {
        do {
            _ = try parseAll(bytes, role: role, maxFrameSize: maxFrameSize)
            return nil
        } catch let error as WSProtocolError {
            return error.closeCode
        } catch {
            return 0
        }
    }

    @Test func parser_readsRFCUnmaskedHelloAsClient() throws {
        #expect(try Self.parseAll(Self.unmaskedHello, role: .client) == [WSFrame(fin: true, opcode: .text, payload: Self.hello)])
    }

    @Test func parser_unmasksRFCMaskedHelloAsServer() throws {
        #expect(try Self.parseAll(Self.maskedHello, role: .server) == [WSFrame(fin: true, opcode: .text, payload: Self.hello)])
    }

    @Test func parser_readsRFCFragmentedHello() throws {
        let frames = try Self.parseAll([0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f], role: .client)
        #expect(frames == [
            WSFrame(fin: false, opcode: .text, payload: Array("Hel".utf8)),
            WSFrame(fin: true, opcode: .continuation, payload: Array("lo".utf8)),
        ])
    }

    @Test func parser_readsRFCPingAndMaskedPong() throws {
        #expect(try Self.parseAll([0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f], role: .client) == [WSFrame(opcode: .ping, payload: Self.hello)])
        #expect(try Self.parseAll([0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58], role: .server) == [WSFrame(opcode: .pong, payload: Self.hello)])
    }

    @Test func parser_readsRFC256ByteAnd64KiBBinaryLengths() throws {
        let small = (0..<256).map { UInt8(truncatingIfNeeded: $0) }
        #expect(try Self.parseAll([0x82, 0x7E, 0x01, 0x00] + small, role: .client) == [WSFrame(opcode: .binary, payload: small)])
        let large = (0..<65536).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let header: [UInt8] = [0x82, 0x7F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00]
        #expect(try Self.parseAll(header + large, role: .client) == [WSFrame(opcode: .binary, payload: large)])
    }

    @Test func parser_acceptsNonMinimalLengthEncoding() throws {
        // 5 bytes written in the 16-bit form: tolerated on receipt (see WSFrameParser docs).
        #expect(try Self.parseAll([0x81, 0x7E, 0x00, 0x05] + Self.hello, role: .client).first?.payload == Self.hello)
    }

    @Test func parser_handlesByteByByteDeliveryAndBackToBackFrames() throws {
        let stream = Self.maskedHello + [0x89, 0x80, 1, 2, 3, 4] + Self.maskedHello
        var parser = WSFrameParser(role: .server)
        var frames: [WSFrame] = []
        for byte in stream {
            parser.append([byte])
            while let frame = try parser.next() { frames.append(frame) }
        }
        #expect(frames.map(\.opcode) == [.text, .ping, .text])
        #expect(frames.map(\.payload) == [Self.hello, [], Self.hello])
        #expect(parser.bufferedByteCount == 0)
    }

    @Test func parser_unmasksLongPayloadsAtEveryOffset() throws {
        for count in [0, 1, 7, 8, 9, 15, 16, 17, 125, 126, 1000] {
            let payload = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 5) }
            var wire: [UInt8] = []
            WSFrameEncoder.append(opcode: .binary, payload: payload, maskingKey: 0xA1B2_C3D4, into: &wire)
            #expect(try Self.parseAll(wire, role: .server).first?.payload == payload)
        }
    }

    @Test func parser_unmasksFramesDeliveredInRandomPieces() throws {
        var generator = SystemRandomNumberGenerator()
        let payloads = (0..<20).map { count in (0..<(count * 37)).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ count) } }
        var wire: [UInt8] = []
        for payload in payloads {
            WSFrameEncoder.append(opcode: .binary, payload: payload, maskingKey: WSFrameEncoder.randomMaskingKey(), into: &wire)
        }
        var parser = WSFrameParser(role: .server)
        var received: [[UInt8]] = []
        var offset = 0
        while offset < wire.count {
            let end = min(wire.count, offset + Int.random(in: 1...97, using: &generator))
            parser.append(Array(wire[offset..<end]))
            offset = end
            while let frame = try parser.next() { received.append(frame.payload) }
        }
        #expect(received == payloads)
    }

    @Test func parser_failsFastOnInvalidUTF8InsideAnIncompleteFrame() throws {
        // Autobahn 6.4.3: one 21-byte text frame whose second chop holds F4 90 80 80 (past U+10FFFF).
        let part1: [UInt8] = [0xce, 0xba, 0xe1, 0xbd, 0xb9, 0xcf, 0x83, 0xce, 0xbc, 0xce, 0xb5]
        let part2: [UInt8] = [0xf4, 0x90, 0x80, 0x80]
        var parser = WSFrameParser(role: .client)
        parser.append([0x81, 21] + part1)
        #expect(try parser.next() == nil)
        parser.append(part2)
        #expect(throws: WSProtocolError(closeCode: 1007, reason: "text message is not valid UTF-8")) { try parser.next() }
    }

    @Test func parser_checksUTF8AcrossTextFragmentsButNotBinary() throws {
        let euroSplit = try Self.parseAll([0x01, 0x02, 0xE2, 0x82, 0x89, 0x00, 0x80, 0x01, 0xAC], role: .client)
        #expect(euroSplit.map(\.payload) == [[0xE2, 0x82], [], [0xAC]])
        #expect(try Self.parseAll([0x02, 0x01, 0xFF, 0x80, 0x01, 0xFE], role: .client).count == 2)
        #expect(Self.closeCode([0x01, 0x01, 0x41, 0x80, 0x01, 0xFF], role: .client) == 1007)
    }

    @Test func parser_rejectsUnmaskedClientFrame() {
        #expect(Self.closeCode(Self.unmaskedHello, role: .server) == 1002)
    }

    @Test func parser_rejectsMaskedServerFrame() {
        #expect(Self.closeCode(Self.maskedHello, role: .client) == 1002)
    }

    @Test(arguments: [0xC1, 0xA1, 0x91] as [UInt8])
    func parser_rejectsRSVBits(_ firstByte: UInt8) {
        #expect(Self.closeCode([firstByte, 0x00], role: .client) == 1002)
    }

    @Test(arguments: [0x3, 0x4, 0x5, 0x6, 0x7, 0xB, 0xC, 0xD, 0xE, 0xF] as [UInt8])
    func parser_rejectsReservedOpcodes(_ opcode: UInt8) {
        #expect(Self.closeCode([0x80 | opcode, 0x00], role: .client) == 1002)
    }

    @Test func parser_rejectsFragmentedControlFrame() {
        #expect(Self.closeCode([0x09, 0x00], role: .client) == 1002)
    }

    @Test func parser_rejectsOversizeControlFrameFromItsHeader() {
        // 126 announces a 16-bit length: refused with only the first two bytes present.
        #expect(Self.closeCode([0x89, 0x7E], role: .client) == 1002)
    }

    @Test func parser_rejects64BitLengthWithTopBitSet() {
        #expect(Self.closeCode([0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0], role: .client) == 1002)
    }

    @Test func parser_rejectsOversizeFrameBeforePayloadIsBuffered() {
        // Only the header of a 2,000-byte frame has arrived; the limit is 1,000.
        #expect(Self.closeCode([0x82, 0x7E, 0x07, 0xD0], role: .client, maxFrameSize: 1000) == 1009)
        #expect(Self.closeCode([0x82, 0x7F, 0, 0, 0, 0, 0x7F, 0xFF, 0xFF, 0xFF], role: .client, maxFrameSize: 1000) == 1009)
        #expect(Self.closeCode([0x82, 0x7E, 0x03, 0xE8], role: .client, maxFrameSize: 1000) == nil)
    }

    @Test func parser_staysFailedAfterAnError() {
        var parser = WSFrameParser(role: .server)
        parser.append(Self.unmaskedHello + Self.maskedHello)
        #expect(throws: WSProtocolError.self) { try parser.next() }
        #expect(throws: WSProtocolError.self) { try parser.next() }
    }
}
