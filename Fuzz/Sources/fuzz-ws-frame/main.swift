import CLibFuzzer
import FuzzCheck
import Glibc
import WebSocket

// libFuzzer target for `WSFrameParser` and `WSStateMachine`: bytes as a peer would send them.
// The first input byte picks the role (bit 0) and where the rest is cut in two (bits 1-7).
// Beyond "no crash, no sanitizer report", it checks what the types promise:
//  1. the same frames, and the same failure, whether the bytes arrive at once or in two pieces;
//  2. every frame within `maxFrameSize`; control frames final and at most 125 bytes;
//  3. each frame, re-encoded by `WSFrameEncoder`, parses back to itself;
//  4. the state machine fed those frames delivers only valid UTF-8 text within
//     `maxMessageSize`, sends nothing after `.closeConnection`, and reports `.closed` at most once;
//  5. `WSConnection`'s shortcut (a frame slice handed straight to the application when
//     `WSStateMachine.deliversDirectly` says so) yields exactly the state machine's actions.

let maxFrameSize = 4096
let maxMessageSize = 8192

struct Outcome: Equatable {
    var frames: [WSFrame] = []
    var error: WSProtocolError?
}

func parse(_ role: WSRole, _ pieces: [UnsafeBufferPointer<UInt8>.SubSequence]) -> Outcome {
    var parser = WSFrameParser(role: role, maxFrameSize: maxFrameSize)
    var outcome = Outcome()
    for piece in pieces {
        parser.append(Array(piece))
        do {
            while let frame = try parser.next() { outcome.frames.append(frame) }
        } catch {
            outcome.error = error
            return outcome
        }
    }
    return outcome
}

func checkFrames(_ frames: [WSFrame], role: WSRole) {
    for frame in frames {
        check(frame.payload.count <= maxFrameSize, "frame over maxFrameSize")
        if frame.opcode.isControl {
            check(frame.fin && frame.payload.count <= 125, "bad control frame accepted")
        }
        var encoded: [UInt8] = []
        frame.payload.withUnsafeBytes {
            WSFrameEncoder.append(opcode: frame.opcode, payload: $0, fin: frame.fin,
                                  maskingKey: role == .server ? 0x1234_5678 : nil, into: &encoded)
        }
        var again = WSFrameParser(role: role, maxFrameSize: maxFrameSize)
        again.append(encoded)
        let reparsed = try? again.next()
        check(reparsed == frame, "re-encoded frame does not parse back to itself")
    }
}

func checkMachine(_ outcome: Outcome, role: WSRole) {
    var machine = WSStateMachine(role: role, maxMessageSize: maxMessageSize)
    var actions: [WSAction] = []
    for frame in outcome.frames { actions += machine.received(frame) }
    if let error = outcome.error { actions += machine.protocolError(error) }
    var closedReports = 0, connectionClosed = false, closeFramesSent = 0
    for action in actions {
        switch action {
        case .deliverText(let bytes):
            check(bytes.count <= maxMessageSize, "text message over maxMessageSize")
            check(String(validating: bytes, as: UTF8.self) != nil, "invalid UTF-8 delivered as text")
            check(closedReports == 0, "message delivered after close")
        case .deliverBinary(let bytes):
            check(bytes.count <= maxMessageSize, "binary message over maxMessageSize")
            check(closedReports == 0, "message delivered after close")
        case .send(let opcode, let payload):
            check(!connectionClosed, "frame sent after closeConnection")
            check(!opcode.isControl || payload.count <= 125, "control frame over 125 bytes sent")
            if opcode == .close { closeFramesSent += 1 }
        case .closeConnection:
            check(!connectionClosed, "closeConnection twice")
            connectionClosed = true
        case .closed:
            closedReports += 1
        }
    }
    check(closedReports <= 1 && closeFramesSent <= 1, "close reported or sent more than once")
}

/// The actions for `input`, parsed whole: every frame through `received(_:)`, or, with
/// `shortcut`, the frames `deliversDirectly` accepts delivered from the parser's buffer.
func actions(_ role: WSRole, _ input: UnsafeBufferPointer<UInt8>, shortcut: Bool) -> [WSAction] {
    var parser = WSFrameParser(role: role, maxFrameSize: maxFrameSize)
    var machine = WSStateMachine(role: role, maxMessageSize: maxMessageSize)
    parser.append(UnsafeRawBufferPointer(input))
    var actions: [WSAction] = []
    while true {
        let slice: WSFrameSlice?
        do { slice = try parser.nextSlice() } catch {
            return actions + machine.protocolError(error)
        }
        guard let slice else { return actions }
        if shortcut && machine.deliversDirectly(slice) {
            let payload = Array(parser.bytes[slice.payload])
            actions.append(slice.opcode == .text ? .deliverText(payload) : .deliverBinary(payload))
        } else {
            actions += machine.received(parser.frame(slice))
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWSFrame(_ start: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data = start else { return 0 }
    guard size >= 1 else { return 0 }
    let role: WSRole = data[0] & 1 == 0 ? .server : .client
    let input = UnsafeBufferPointer(start: data + 1, count: size - 1)
    let cut = input.count * Int(data[0] >> 1) / 127
    let whole = parse(role, [input[...]])
    let pieces = parse(role, [input[..<cut], input[cut...]])
    check(whole.frames == pieces.frames, "frames depend on how the bytes arrived")
    check((whole.error == nil) == (pieces.error == nil) && whole.error?.closeCode == pieces.error?.closeCode,
                 "failure depends on how the bytes arrived: \(String(describing: whole.error)) vs \(String(describing: pieces.error))")
    checkFrames(whole.frames, role: role)
    checkMachine(whole, role: role)
    check(actions(role, input, shortcut: true) == actions(role, input, shortcut: false),
          "the direct-delivery shortcut and the state machine disagree")
    return 0
}

// SwiftPM makes this file the entry point; hand the command line to libFuzzer.
var arguments = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&arguments, &argv, fuzzWSFrame))
