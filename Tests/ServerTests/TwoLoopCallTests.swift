import Calls
import Foundation
import HTTP
import Logging
import Net
import NetTestSupport
import Realtime
import Testing
import WebSocket
@testable import Server

/// `EVENT_LOOPS=2` without the binary: loop 0 (the test's thread) serves HTTP and carries calls,
/// loop 1 (a thread of its own) carries calls; streams are placed on the loop with fewer calls,
/// a stream follows its pre-warmed session to the loop it waits on, and the counts the gate and
/// the drain read are the group's.
@Suite(.serialized) struct TwoLoopCallTests {
    final class Worker: @unchecked Sendable {
        private let loop: LoopThread
        private var manager: HandedOver<CallManager>!

        init(context: CallContext, loops: CallLoops) {
            let moved = HandedOver(context)
            var made: HandedOver<CallManager>?
            loop = LoopThread(setUp: { loop in
                let manager = CallManager(context: moved.value, loop: loop)
                loops.join(manager, on: loop)
                return manager
            }, made: { made = $0 })
            manager = made
        }

        /// Reads `body` of the worker's manager on its own thread.
        func read<T: Sendable>(_ body: @escaping @Sendable (CallManager) -> T) -> T {
            let manager = self.manager!
            return loop.sync { body(manager.value) }
        }

        func stop() { loop.stop() }
    }

    struct Bridge {
        let loop: EventLoop
        let server: HTTPServer
        let manager: CallManager
        let gate: CallGate
        let loops: CallLoops
        let worker: Worker
    }

    static func bridge(maxUpgraded: Int? = nil) throws -> Bridge {
        let loop = try EventLoop()
        let context = CallContext(endpoint: .local, sessionOptions: RealtimeSessionOptions(instructions: "be brief"),
                                  greeting: "Hello", tls: nil, logger: Logger())
        let manager = CallManager(context: context, loop: loop)
        let loops = CallLoops(first: manager, loop: loop)
        loops.fillBeforeSpreading = 1  // spread from the first call (EVENT_LOOP_FILL=1)
        let worker = Worker(context: context, loops: loops)
        let gate = CallGate(maxCalls: 3, metrics: context.metrics)
        var router = CallRouter(publicHost: "example.ngrok.app", manager: manager)
        router.gate = gate
        router.loops = loops
        CallRouter.admitStarts(through: gate, loops: loops)
        var options = HTTPServer.Options()
        if let maxUpgraded { options.maxUpgradedConnections = maxUpgraded }
        let server = try HTTPServer(host: "127.0.0.1", port: 0, loop: loop, options: options, handler: router.handle)
        return Bridge(loop: loop, server: server, manager: manager, gate: gate, loops: loops, worker: worker)
    }

    static func callSid(_ digit: Character) -> String { "CA" + String(repeating: digit, count: 32) }

    @Test func streams_spreadOverBothLoops_andTheCountsAreTheGroups() throws {
        let b = try Self.bridge()
        defer { b.worker.stop() }
        let first = try LoopbackTwilio(port: b.server.port, loop: b.loop, callSid: Self.callSid("1"))
        #expect(b.loop.run(until: { b.loops.startedCalls == 1 }, timeoutMs: 3_000))
        let second = try LoopbackTwilio(port: b.server.port, loop: b.loop, callSid: Self.callSid("2"))
        #expect(b.loop.run(until: { b.loops.startedCalls == 2 }, timeoutMs: 3_000))
        #expect(b.loops.startedPerLoop == [1, 1], "the second stream went to the loop without a call")
        #expect(b.manager.startedCalls == 1 && b.worker.read { $0.startedCalls } == 1)
        #expect(b.loop.run(until: { first.media > 0 && second.media > 0 }, timeoutMs: 3_000),
                "both callers hear the greeting, whichever loop carries them")
        first.stop()
        second.stop()
        #expect(b.loop.run(until: { b.loops.activeCalls == 0 }, timeoutMs: 3_000))
        #expect(b.gate.metrics.render(.init(activeCalls: 0, maxCalls: 3, pendingCalls: 0, draining: false, ready: true))
                    .contains(#"voice_bridge_calls_total{outcome="caller_hung_up"} 2"#), "one metrics for both loops")
    }

    @Test func maxCalls_holdsAcrossLoops() throws {
        let b = try Self.bridge()
        defer { b.worker.stop() }
        let calls = try (1...3).map { try LoopbackTwilio(port: b.server.port, loop: b.loop, callSid: Self.callSid(Character(String($0)))) }
        #expect(b.loop.run(until: { b.loops.startedCalls == 3 }, timeoutMs: 3_000))
        let fourth = try LoopbackTwilio(port: b.server.port, loop: b.loop, callSid: Self.callSid("4"))
        #expect(b.loop.run(until: { fourth.closeReason != nil }, timeoutMs: 3_000), "MAX_CALLS=3 counts the calls of both loops")
        #expect(String(describing: fourth.closeReason).contains("503"), "refused at the upgrade: busy")
        #expect(b.loops.startedCalls == 3 && b.loops.awaitingStart == 0)
        for call in calls { call.stop() }
        #expect(b.loop.run(until: { b.loops.activeCalls == 0 }, timeoutMs: 3_000))
    }

    @Test func anUpgradeTheServerRefuses_isNeverCountedAsAStream() throws {
        let b = try Self.bridge(maxUpgraded: 1)
        defer { b.worker.stop() }
        let first = try LoopbackTwilio(port: b.server.port, loop: b.loop, callSid: Self.callSid("1"))
        #expect(b.loop.run(until: { b.loops.startedCalls == 1 }, timeoutMs: 3_000))
        let refused = try LoopbackTwilio(port: b.server.port, loop: b.loop, callSid: Self.callSid("2"))
        #expect(b.loop.run(until: { refused.closeReason != nil }, timeoutMs: 3_000))
        #expect(String(describing: refused.closeReason).contains("503"), "the server's budget of upgraded connections was full")
        #expect(b.loops.activeCalls == 1, "the refused upgrade was never placed on a loop")
        first.stop()
        #expect(b.loop.run(until: { b.loops.activeCalls == 0 }, timeoutMs: 3_000))
    }

    @Test func aStream_followsItsPrewarmedSession_toTheOtherLoop() throws {
        let b = try Self.bridge()
        defer { b.worker.stop() }
        // A call on loop 0, so that the webhook's session is warmed on loop 1 (fewer calls).
        let busy = try LoopbackTwilio(port: b.server.port, loop: b.loop, callSid: Self.callSid("1"))
        #expect(b.loop.run(until: { b.loops.startedCalls == 1 }, timeoutMs: 3_000))
        let warm = Self.callSid("5")
        b.loops.prewarm(callSid: warm, agent: nil, from: b.manager)
        #expect(b.loop.run(until: { b.worker.read { $0.prewarmedSessions } == 1 }, timeoutMs: 3_000), "warmed on loop 1")
        // A stream that has not started yet takes loop 1's place, so the warm call's stream lands on loop 0.
        final class Mute: WSConnectionDelegate {
            func webSocketDidOpen(_ socket: WSConnection) {}
            func webSocket(_ socket: WSConnection, didReceiveText text: UnsafeRawBufferPointer) {}
            func webSocket(_ socket: WSConnection, didReceiveBinary data: UnsafeRawBufferPointer) {}
            func webSocket(_ socket: WSConnection, didCloseWith reason: WSCloseReason) {}
        }
        let mute = Mute()
        let waiting = WSConnection.connect(to: try WSURL("ws://127.0.0.1:\(b.server.port)/media-stream"), headers: [], tls: nil,
                                           loop: b.loop, delegate: mute)
        #expect(b.loop.run(until: { b.worker.read { $0.awaitingStart } == 1 }, timeoutMs: 3_000))
        let caller = try LoopbackTwilio(port: b.server.port, loop: b.loop, callSid: warm)
        #expect(b.loop.run(until: { b.loops.startedCalls == 2 }, timeoutMs: 3_000))
        #expect(b.loops.startedPerLoop == [1, 1], "the warm call runs on the loop its session waited on")
        #expect(b.worker.read { $0.prewarmedSessions } == 0, "and it took that session")
        #expect(b.loop.run(until: { caller.media > 0 }, timeoutMs: 3_000), "whose greeting reaches the caller")
        #expect(caller.received.allSatisfy { $0["streamSid"]?.stringValue == caller.streamSid })
        caller.stop()
        busy.stop()
        waiting.close()
        #expect(b.loop.run(until: { b.loops.activeCalls == 0 }, timeoutMs: 12_000))
    }

    @Test func aDrain_waitsForTheCallsOfBothLoops_andEndsThemAtItsTimeout() throws {
        let b = try Self.bridge()
        defer { b.worker.stop() }
        let calls = try (1...2).map { try LoopbackTwilio(port: b.server.port, loop: b.loop, callSid: Self.callSid(Character(String($0)))) }
        #expect(b.loop.run(until: { b.loops.startedPerLoop == [1, 1] }, timeoutMs: 3_000))
        var finished = false
        let drain = DrainController(loop: b.loop, gate: b.gate, manager: b.manager, timeoutMs: 400, logger: Logger()) { finished = true }
        drain.loops = b.loops
        drain.pollMs = 20
        drain.lingerMs = 0
        drain.begin(signal: "SIGTERM")
        b.loop.run(forMs: 200)
        #expect(!finished, "the calls of both loops are waited for")
        #expect(b.loop.run(until: { finished }, timeoutMs: 3_000))
        #expect(b.loop.run(until: { calls.allSatisfy { $0.closeReason != nil } }, timeoutMs: 3_000), "both loops' calls were ended")
        for call in calls {
            if case .closed(let code, _) = call.closeReason { #expect(code == 1001) } else { Issue.record("\(String(describing: call.closeReason))") }
        }
    }
}
