import Metrics
import Calls
import Foundation
import HTTP
import JSON
import Logging
import Net
import NetTestSupport
import Realtime
import Testing
import WebSocket
@testable import Server

/// A Twilio Media Stream on loopback, driven by the test on its loop: `connected` and `start`,
/// frames on demand, and what the bridge sent back.
final class LoopbackTwilio: WSConnectionDelegate {
    private(set) var socket: WSConnection?
    private(set) var received: [JSON] = []
    private(set) var closeReason: WSCloseReason?
    let callSid: String
    let streamSid = "MZ" + String(repeating: "0", count: 32)

    init(port: Int, loop: EventLoop, callSid: String = "CA" + String(repeating: "1", count: 32)) throws {
        self.callSid = callSid
        socket = WSConnection.connect(to: try WSURL("ws://127.0.0.1:\(port)/media-stream"), headers: [], tls: nil,
                                      loop: loop, delegate: self)
    }

    var isOpen = false
    var media: Int { received.filter { $0["event"]?.stringValue == "media" }.count }

    func webSocketDidOpen(_ socket: WSConnection) {
        isOpen = true
        socket.sendText(#"{"event":"connected","protocol":"Call","version":"1.0.0"}"#)
        let start: JSON = ["event": "start", "sequenceNumber": "1", "streamSid": .string(streamSid),
                           "start": ["accountSid": "AC00000000000000000000000000000000", "streamSid": .string(streamSid),
                                     "callSid": .string(callSid), "tracks": ["inbound"],
                                     "mediaFormat": ["encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1],
                                     "customParameters": ["From": "+15550100", "CallSid": .string(callSid)]]]
        socket.sendText(start.serialized())
    }

    func stop() {
        socket?.sendText(#"{"event":"stop","sequenceNumber":"9","streamSid":"\#(streamSid)","stop":{"accountSid":"AC0","callSid":"\#(callSid)"}}"#)
    }

    func webSocket(_ socket: WSConnection, didReceiveText text: UnsafeRawBufferPointer) {
        if let json = try? JSON.parse(String(decoding: text, as: UTF8.self)) { received.append(json) }
    }

    func webSocket(_ socket: WSConnection, didReceiveBinary data: UnsafeRawBufferPointer) {}

    func webSocket(_ socket: WSConnection, didCloseWith reason: WSCloseReason) { closeReason = reason }
}

/// The call path on one loop, without the binary or Python: router, gate, manager, session and
/// the built-in local provider, with a Twilio stream over loopback. What the end-to-end suite
/// checks through the daemon, these check where a bug would be (issue 21: barge-in, hang-up and
/// drain bugs were caught only end to end).
@Suite(.serialized) struct LoopDrivenCallTests {
    struct Bridge {
        let loop: EventLoop
        let server: HTTPServer
        let manager: CallManager
        let gate: CallGate
    }

    static func bridge(greeting: String = "Hello", clock: LoopClock = .monotonic, maxCallSeconds: Int? = nil) throws -> Bridge {
        let loop = try EventLoop(clock: clock)
        var context = CallContext(endpoint: .local, sessionOptions: RealtimeSessionOptions(instructions: "be brief"),
                                  greeting: greeting, tls: nil, logger: Logger())
        context.maxCallSeconds = maxCallSeconds
        let manager = CallManager(context: context, loop: loop)
        let gate = CallGate(maxCalls: 4, metrics: context.metrics)
        var router = CallRouter(publicHost: "example.ngrok.app", manager: manager)
        router.gate = gate
        let server = try HTTPServer(host: "127.0.0.1", port: 0, loop: loop, handler: router.handle)
        return Bridge(loop: loop, server: server, manager: manager, gate: gate)
    }

    /// A drain begun at once, polling quickly, calling `onFinished` when it ends.
    static func drain(_ b: Bridge, onFinished: @escaping () -> Void) -> DrainController {
        let drain = DrainController(loop: b.loop, gate: b.gate, manager: b.manager, timeoutMs: 60_000, logger: Logger(),
                                    onFinished: onFinished)
        drain.pollMs = 20
        drain.lingerMs = 0
        drain.begin(signal: "SIGTERM")
        return drain
    }

    @Test func aCall_getsTheGreeting_andEndsWhenTwilioStops() throws {
        let b = try Self.bridge()
        let twilio = try LoopbackTwilio(port: b.server.port, loop: b.loop)
        #expect(b.loop.run(until: { twilio.media > 0 }, timeoutMs: 3_000), "the local provider's greeting chime")
        #expect(b.manager.startedCalls == 1)
        #expect(twilio.received.contains { $0["event"]?.stringValue == "mark" }, "each chunk is followed by a mark")
        twilio.stop()
        #expect(b.loop.run(until: { b.manager.activeCalls == 0 }, timeoutMs: 3_000))
        #expect(b.gate.metrics.render(.init(activeCalls: 0, maxCalls: 4, pendingCalls: 0, draining: false, ready: true))
                    .contains(#"voice_bridge_calls_total{outcome="caller_hung_up"} 1"#))
    }

    @Test func aDrain_waitsForTheLiveCall_andFinishesWhenItEnds() throws {
        let b = try Self.bridge()
        let twilio = try LoopbackTwilio(port: b.server.port, loop: b.loop)
        #expect(b.loop.run(until: { b.manager.startedCalls == 1 }, timeoutMs: 3_000))
        var finished = false
        let drain = Self.drain(b) { finished = true }
        b.loop.run(forMs: 300)
        #expect(!finished, "a drain must not finish while a call is live")
        #expect(b.gate.isDraining)
        twilio.stop()
        #expect(b.loop.run(until: { finished }, timeoutMs: 3_000), "the drain finishes once the last call has ended")
        #expect(drain.isDraining)
    }

    @Test func aStreamThatNeverStarts_isClosedAndDoesNotHoldTheDrain() throws {
        let b = try Self.bridge()
        b.manager.startTimeoutMs = 200
        final class Mute: WSConnectionDelegate {
            var closed: WSCloseReason?
            func webSocketDidOpen(_ socket: WSConnection) {}
            func webSocket(_ socket: WSConnection, didReceiveText text: UnsafeRawBufferPointer) {}
            func webSocket(_ socket: WSConnection, didReceiveBinary data: UnsafeRawBufferPointer) {}
            func webSocket(_ socket: WSConnection, didCloseWith reason: WSCloseReason) { closed = reason }
        }
        let mute = Mute()
        let socket = WSConnection.connect(to: try WSURL("ws://127.0.0.1:\(b.server.port)/media-stream"), headers: [], tls: nil,
                                          loop: b.loop, delegate: mute)
        #expect(b.loop.run(until: { b.manager.awaitingStart == 1 }, timeoutMs: 2_000))
        var finished = false
        let drain = Self.drain(b) { finished = true }
        #expect(b.loop.run(until: { finished }, timeoutMs: 2_000), "a stream without start is not a call to wait for")
        #expect(drain.isDraining)
        #expect(b.loop.run(until: { mute.closed != nil }, timeoutMs: 3_000), "and it is closed after its deadline")
        if case .closed(let code, _) = mute.closed { #expect(code == 1008) } else { Issue.record("\(String(describing: mute.closed))") }
        withExtendedLifetime(socket) {}
    }

    /// On a manual clock: the claim deadline passes without waiting 15 s of real time.
    @Test func aPrewarmedSession_isClaimedByItsStream_andAnUnclaimedOneIsDiscardedAtItsDeadline() throws {
        let clock = ManualClock()
        let b = try Self.bridge(clock: .manual(clock))
        let claimed = "CA" + String(repeating: "2", count: 32), unclaimed = "CA" + String(repeating: "3", count: 32)
        b.manager.prewarm(callSid: claimed)
        b.manager.prewarm(callSid: unclaimed)
        b.manager.prewarm(callSid: claimed)  // Twilio retried the webhook: still one session
        #expect(b.manager.prewarmedSessions == 2)
        let twilio = try LoopbackTwilio(port: b.server.port, loop: b.loop, callSid: claimed)
        #expect(b.loop.spin(until: { b.manager.startedCalls == 1 }, wallMs: 3_000))
        #expect(b.manager.prewarmedSessions == 1, "the stream took the session warmed for its CallSid")
        #expect(b.loop.spin(until: { twilio.media > 0 }, wallMs: 3_000), "and the greeting came over it")
        clock.advance(ms: 14_000)
        b.loop.runOnce(maxWaitMs: 0)
        #expect(b.manager.prewarmedSessions == 1, "before its deadline, the other one waits")
        clock.advance(ms: 1_000)
        #expect(b.loop.spin(until: { b.manager.prewarmedSessions == 0 }, wallMs: 1_000), "discarded at its deadline")
    }

    /// An agent's `max_call_seconds`, on a manual clock: the wrap-up note a minute before, then
    /// the end, without waiting ten minutes.
    @Test func anAgentsMaxCallLength_asksForAWrapUp_thenEndsTheCall() throws {
        let clock = ManualClock()
        let b = try Self.bridge(clock: .manual(clock), maxCallSeconds: 600)
        b.manager.silentStreamTimeoutMs = 3_600_000
        let twilio = try LoopbackTwilio(port: b.server.port, loop: b.loop)
        #expect(b.loop.spin(until: { b.manager.startedCalls == 1 }, wallMs: 3_000))
        clock.advance(ms: 539_000)
        b.loop.runOnce(maxWaitMs: 0)
        #expect(b.manager.activeCalls == 1, "nine minutes in, the call goes on")
        clock.advance(ms: 61_000)
        #expect(b.loop.spin(until: { b.manager.activeCalls == 0 }, wallMs: 2_000))
        withExtendedLifetime(twilio) {}
        #expect(b.gate.metrics.render(.init(activeCalls: 0, maxCalls: 4, pendingCalls: 0, draining: false, ready: true))
                    .contains(#"voice_bridge_calls_total{outcome="max_duration"} 1"#))
    }
}
