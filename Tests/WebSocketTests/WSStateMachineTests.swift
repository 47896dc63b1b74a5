import Testing
import WebSocket

@Suite("WSStateMachine")
struct WSStateMachineTests {
    static func closePayload(_ code: UInt16, _ reason: String = "") -> [UInt8] {
        [UInt8(code >> 8), UInt8(code & 0xFF)] + Array(reason.utf8)
    }

    @Test func machine_deliversSingleFrameMessages() {
        var machine = WSStateMachine(role: .server)
        #expect(machine.received(WSFrame(opcode: .text, payload: Array("Hello".utf8))) == [.deliverText(Array("Hello".utf8))])
        #expect(machine.received(WSFrame(opcode: .binary, payload: [1, 2, 3])) == [.deliverBinary([1, 2, 3])])
        #expect(machine.isOpen)
    }

    @Test func machine_reassemblesFragmentsWithInterleavedPing() {
        var machine = WSStateMachine(role: .server)
        #expect(machine.received(WSFrame(fin: false, opcode: .text, payload: Array("Hel".utf8))) == [])
        #expect(machine.received(WSFrame(opcode: .ping, payload: [7])) == [.send(.pong, [7])])
        #expect(machine.received(WSFrame(fin: false, opcode: .continuation, payload: [])) == [])
        #expect(machine.received(WSFrame(opcode: .pong, payload: [1])) == [])
        #expect(machine.received(WSFrame(fin: true, opcode: .continuation, payload: Array("lo".utf8))) == [.deliverText(Array("Hello".utf8))])
        // The next message starts fresh.
        #expect(machine.received(WSFrame(fin: false, opcode: .binary, payload: [1])) == [])
        #expect(machine.received(WSFrame(fin: true, opcode: .continuation, payload: [2])) == [.deliverBinary([1, 2])])
    }

    @Test func machine_failsContinuationWithoutMessage() {
        var machine = WSStateMachine(role: .server)
        let actions = machine.received(WSFrame(opcode: .continuation, payload: [1]))
        #expect(actions.first == .send(.close, WSCloseCode.encodePayload(code: 1002, reason: "continuation frame without a message in progress")))
        #expect(actions.dropFirst() == [.closeConnection, .closed(code: 1002, reason: "continuation frame without a message in progress")])
        #expect(machine.isConnectionClosed)
        #expect(machine.received(WSFrame(opcode: .text, payload: [])) == [])
    }

    @Test func machine_failsNewMessageDuringFragmentedOne() {
        var machine = WSStateMachine(role: .server)
        _ = machine.received(WSFrame(fin: false, opcode: .binary, payload: [1]))
        let actions = machine.received(WSFrame(opcode: .text, payload: Array("x".utf8)))
        #expect(actions.contains(.closeConnection))
        #expect(Self.closeCodeSent(actions) == 1002)
    }

    @Test func machine_failsFastOnInvalidUTF8SplitAcrossFragments() {
        var machine = WSStateMachine(role: .server)
        // κόσμε then the first byte of a surrogate (ED A0 80): invalid at A0, in the second fragment,
        // before the message is finished.
        #expect(machine.received(WSFrame(fin: false, opcode: .text, payload: [0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xED])) == [])
        let actions = machine.received(WSFrame(fin: false, opcode: .continuation, payload: [0xA0, 0x80]))
        #expect(Self.closeCodeSent(actions) == 1007)
        #expect(actions.contains(.closeConnection))
    }

    @Test func machine_failsTextEndingInsideASequence() {
        var machine = WSStateMachine(role: .server)
        #expect(Self.closeCodeSent(machine.received(WSFrame(opcode: .text, payload: [0x41, 0xE2, 0x82]))) == 1007)
    }

    @Test func machine_acceptsMultiByteCharacterSplitAcrossFragments() {
        var machine = WSStateMachine(role: .server)
        let euro: [UInt8] = [0xE2, 0x82, 0xAC]
        #expect(machine.received(WSFrame(fin: false, opcode: .text, payload: [euro[0]])) == [])
        #expect(machine.received(WSFrame(fin: false, opcode: .continuation, payload: [euro[1]])) == [])
        #expect(machine.received(WSFrame(fin: true, opcode: .continuation, payload: [euro[2]])) == [.deliverText(euro)])
    }

    @Test func machine_failsMessageLargerThanLimit() {
        var machine = WSStateMachine(role: .client, maxMessageSize: 4)
        #expect(machine.received(WSFrame(fin: false, opcode: .binary, payload: [1, 2, 3])) == [])
        let actions = machine.received(WSFrame(fin: true, opcode: .continuation, payload: [4, 5]))
        #expect(Self.closeCodeSent(actions) == 1009)
        var single = WSStateMachine(role: .client, maxMessageSize: 4)
        #expect(single.received(WSFrame(opcode: .binary, payload: [1, 2, 3, 4])) == [.deliverBinary([1, 2, 3, 4])])
        #expect(Self.closeCodeSent(single.received(WSFrame(opcode: .text, payload: Array("12345".utf8)))) == 1009)
    }

    @Test func machine_serverEchoesPeerCloseAndClosesConnection() {
        var machine = WSStateMachine(role: .server)
        let actions = machine.received(WSFrame(opcode: .close, payload: Self.closePayload(1000, "bye")))
        #expect(actions == [.send(.close, [0x03, 0xE8]), .closeConnection, .closed(code: 1000, reason: "bye")])
        #expect(!machine.canSend)
        #expect(machine.isClosed)
    }

    @Test func machine_clientEchoesPeerCloseAndWaitsForServerToCloseTCP() {
        var machine = WSStateMachine(role: .client)
        let actions = machine.received(WSFrame(opcode: .close, payload: Self.closePayload(4000, "session ended")))
        #expect(actions == [.send(.close, [0x0F, 0xA0]), .closed(code: 4000, reason: "session ended")])
        #expect(machine.isClosing)
        #expect(machine.connectionLost() == [.closeConnection])
        #expect(machine.closeTimedOut() == [])
    }

    @Test func machine_echoesEmptyCloseWithEmptyClose() {
        var machine = WSStateMachine(role: .server)
        #expect(machine.received(WSFrame(opcode: .close)) == [.send(.close, []), .closeConnection, .closed(code: nil, reason: "")])
    }

    @Test func machine_ourCloseCompletesOnPeerReply() {
        var machine = WSStateMachine(role: .server)
        #expect(machine.close(code: 1001, reason: "shutting down") == [.send(.close, Self.closePayload(1001, "shutting down"))])
        #expect(machine.isClosing && !machine.canSend)
        #expect(machine.close(code: 1000, reason: "again") == [])
        // Data and pings after our close are ignored; the peer's close completes the handshake.
        #expect(machine.received(WSFrame(opcode: .text, payload: Array("late".utf8))) == [])
        #expect(machine.received(WSFrame(opcode: .ping, payload: [])) == [])
        #expect(machine.received(WSFrame(opcode: .close, payload: Self.closePayload(1001))) == [.closeConnection, .closed(code: 1001, reason: "")])
    }

    @Test func machine_ourCloseTimesOut() {
        var machine = WSStateMachine(role: .client)
        _ = machine.close(code: 1000, reason: "")
        #expect(machine.closeTimedOut() == [.closeConnection, .closed(code: 1006, reason: "the peer did not complete the closing handshake in time")])
        #expect(machine.received(WSFrame(opcode: .close)) == [])
    }

    @Test func machine_sendsEmptyCloseForCodesThatMayNotBeSent() {
        var machine = WSStateMachine(role: .server)
        #expect(machine.close(code: 1005, reason: "x") == [.send(.close, [])])
    }

    @Test(arguments: [0, 999, 1004, 1005, 1006, 1012, 1013, 1014, 1015, 1016, 1100, 2000, 2999, 5000, 65535] as [UInt16])
    func machine_rejectsInvalidCloseCodes(_ code: UInt16) {
        var machine = WSStateMachine(role: .server)
        let actions = machine.received(WSFrame(opcode: .close, payload: Self.closePayload(code)))
        #expect(Self.closeCodeSent(actions) == 1002)
        #expect(actions.contains(.closeConnection))
    }

    @Test func machine_rejectsOneByteCloseAndInvalidUTF8Reason() {
        var oneByte = WSStateMachine(role: .server)
        #expect(Self.closeCodeSent(oneByte.received(WSFrame(opcode: .close, payload: [0x03]))) == 1002)
        var badReason = WSStateMachine(role: .server)
        #expect(Self.closeCodeSent(badReason.received(WSFrame(opcode: .close, payload: [0x03, 0xE8, 0xCE, 0xBA, 0xED, 0xA0, 0x80]))) == 1007)
    }

    @Test func machine_protocolErrorFromParserClosesOnce() {
        var machine = WSStateMachine(role: .server)
        let error = WSProtocolError(closeCode: 1009, reason: "frame too big")
        #expect(machine.protocolError(error) == [.send(.close, Self.closePayload(1009, "frame too big")), .closeConnection, .closed(code: 1009, reason: "frame too big")])
        #expect(machine.protocolError(error) == [])
        #expect(machine.connectionLost() == [])
    }

    @Test func machine_reportsAbruptDisconnectAs1006() {
        var machine = WSStateMachine(role: .client)
        #expect(machine.connectionLost() == [.closeConnection, .closed(code: 1006, reason: "the connection closed without a WebSocket closing handshake")])
    }

    @Test func machine_pingsOnlyWhileOpen() {
        var machine = WSStateMachine(role: .client)
        #expect(machine.ping([1, 2]) == [.send(.ping, [1, 2])])
        _ = machine.close(code: 1000, reason: "")
        #expect(machine.ping() == [])
    }

    /// The close code in the first close frame of `actions`, if any.
    static func closeCodeSent(_ actions: [WSAction]) -> UInt16? {
        for case let .send(.close, payload) in actions where payload.count >= 2 {
            return UInt16(payload[0]) << 8 | UInt16(payload[1])
        }
        return nil
    }
}
