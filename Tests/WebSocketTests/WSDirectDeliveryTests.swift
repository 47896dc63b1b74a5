import Testing
import TestSupport
import WebSocket

/// `WSConnection` hands unfragmented messages to the application straight from the parser's
/// buffer when `WSStateMachine.deliversDirectly` says so, skipping `received(_:)`. These tests
/// hold that shortcut to the state machine's own answer on random frame sequences.
@Suite("WSStateMachine.deliversDirectly")
struct WSDirectDeliveryTests {
    /// Text that is valid, invalid, or cut inside a character; or random bytes.
    static func payload(_ rng: inout SplitMix64) -> [UInt8] {
        let pieces: [[UInt8]] = [Array("media".utf8), Array("é".utf8), Array("€".utf8), Array("𝄞".utf8),
                                 [0xE2, 0x82], [0xF0, 0x9D], [0xFF], [0xC0, 0x80], Array("{\"event\":\"mark\"}".utf8)]
        var bytes: [UInt8] = []
        for _ in 0..<Int.random(in: 0...4, using: &rng) {
            bytes += Bool.random(using: &rng) ? pieces[Int.random(in: 0..<pieces.count, using: &rng)]
                                              : [UInt8.random(in: 0...255, using: &rng)]
        }
        return bytes
    }

    static func randomFrame(_ rng: inout SplitMix64) -> WSFrame {
        let opcodes: [WSOpcode] = [.text, .text, .text, .binary, .binary, .continuation, .continuation, .ping, .pong, .close]
        let opcode = opcodes[Int.random(in: 0..<opcodes.count, using: &rng)]
        switch opcode {
        case .ping, .pong:
            return WSFrame(opcode: opcode, payload: Array(payload(&rng).prefix(125)))
        case .close:
            return WSFrame(opcode: .close, payload: Int.random(in: 0..<4, using: &rng) == 0 ? [] : [0x03, 0xE8])
        default:
            return WSFrame(fin: Int.random(in: 0..<3, using: &rng) != 0, opcode: opcode, payload: payload(&rng))
        }
    }

    /// What a connection does with every frame of `wire`: `shortcut` uses `deliversDirectly`
    /// as `WSConnection` does; otherwise every frame goes through `received(_:)`.
    static func actions(for wire: [UInt8], role: WSRole, maxMessageSize: Int, shortcut: Bool) -> (actions: [WSAction], direct: Int) {
        var parser = WSFrameParser(role: role)
        var machine = WSStateMachine(role: role, maxMessageSize: maxMessageSize)
        parser.append(wire)
        var actions: [WSAction] = []
        var direct = 0
        while true {
            let slice: WSFrameSlice?
            do { slice = try parser.nextSlice() } catch {
                actions += machine.protocolError(error)
                break
            }
            guard let slice else { break }
            if shortcut && machine.deliversDirectly(slice) {
                let payload = Array(parser.bytes[slice.payload])
                actions.append(slice.opcode == .text ? .deliverText(payload) : .deliverBinary(payload))
                direct += 1
            } else {
                actions += machine.received(parser.frame(slice))
            }
        }
        return (actions, direct)
    }

    @Test func shortcut_actsExactlyAsTheStateMachine_onRandomFrameSequences() {
        var rng = SplitMix64(seed: 0x5EED)
        var directTotal = 0
        for round in 0..<3_000 {
            let role: WSRole = round % 2 == 0 ? .server : .client
            var wire: [UInt8] = []
            for _ in 0..<Int.random(in: 1...12, using: &rng) {
                let frame = Self.randomFrame(&rng)
                WSFrameEncoder.append(opcode: frame.opcode, payload: frame.payload, fin: frame.fin,
                                      maskingKey: role == .server ? UInt32.random(in: 0...UInt32.max, using: &rng) : nil,
                                      into: &wire)
            }
            let maxMessageSize = Int.random(in: 0..<4, using: &rng) == 0 ? 3 : 1 << 20
            let fast = Self.actions(for: wire, role: role, maxMessageSize: maxMessageSize, shortcut: true)
            let slow = Self.actions(for: wire, role: role, maxMessageSize: maxMessageSize, shortcut: false)
            #expect(fast.actions == slow.actions, "round \(round)")
            if fast.actions != slow.actions { return }
            directTotal += fast.direct
        }
        #expect(directTotal > 500, "the shortcut should be taken often on these sequences")
    }

    @Test func shortcut_isRefused_whileFragmentedOrClosingOrCutInsideACharacter() throws {
        var parser = WSFrameParser(role: .client)
        var machine = WSStateMachine(role: .client)
        var wire: [UInt8] = []
        WSFrameEncoder.append(opcode: .text, payload: Array("€".utf8).prefix(2).map { $0 }, fin: true, into: &wire)
        WSFrameEncoder.append(opcode: .binary, payload: [1], fin: false, into: &wire)
        WSFrameEncoder.append(opcode: .continuation, payload: [2], fin: true, into: &wire)
        WSFrameEncoder.append(opcode: .binary, payload: [3], fin: true, into: &wire)
        parser.append(wire)

        let cut = try #require(try parser.nextSlice())
        #expect(!cut.isCompleteText)
        #expect(!machine.deliversDirectly(cut))
        machine = WSStateMachine(role: .client)  // the cut text failed the first machine

        let first = try #require(try parser.nextSlice())
        #expect(!machine.deliversDirectly(first), "not the final fragment")
        #expect(machine.received(parser.frame(first)) == [])
        let last = try #require(try parser.nextSlice())
        #expect(!machine.deliversDirectly(last), "a continuation completes a reassembled message")
        #expect(machine.received(parser.frame(last)) == [.deliverBinary([1, 2])])

        let whole = try #require(try parser.nextSlice())
        #expect(machine.deliversDirectly(whole))
        #expect(Array(parser.bytes[whole.payload]) == [3])
        _ = machine.close(code: 1000, reason: "")
        #expect(!machine.deliversDirectly(whole), "nothing is delivered after our close")
    }
}
