import Calls
import Foundation
import Logging
import Net
import Realtime
import Testing

/// The group's bookkeeping: where streams go, and that admission is one decision across loops.
@Suite struct CallLoopsTests {
    static func group(loops count: Int) throws -> (CallLoops, [EventLoop]) {
        let context = CallContext(endpoint: .local, sessionOptions: RealtimeSessionOptions(instructions: "x"),
                                  greeting: "", tls: nil, logger: Logger())
        let group = CallLoops()
        group.fillBeforeSpreading = 1
        var loops: [EventLoop] = []
        for _ in 0..<count {
            let loop = try EventLoop()
            group.join(CallManager(context: context, loop: loop), on: loop)
            loops.append(loop)
        }
        return (group, loops)
    }

    @Test func streams_goToTheLoopWithTheFewestCalls_lowestIndexOnATie() throws {
        let (group, _) = try Self.group(loops: 3)
        #expect(group.placeStream() == 0)
        #expect(group.placeStream() == 1)
        #expect(group.placeStream() == 2)
        #expect(group.admit(on: 1) { _ in nil } == nil)
        #expect(group.placeStream() == 0, "every loop has one stream: the lowest index")
        group.placedStreamClosed(on: 0)
        group.placedStreamClosed(on: 0)
        #expect(group.placeStream() == 0, "loop 0 has none left")
        #expect(group.startedPerLoop == [0, 1, 0])
        #expect(group.activeCalls == 3 && group.awaitingStart == 2 && group.startedCalls == 1)
    }

    @Test func loop0_isFilledFirst_thenTheLoopWithTheFewest() throws {
        let (group, _) = try Self.group(loops: 2)
        group.fillBeforeSpreading = 3
        #expect((0..<3).map { _ in group.placeStream() } == [0, 0, 0], "one busy loop coalesces its wake-ups")
        #expect((0..<4).map { _ in group.placeStream() } == [1, 1, 1, 0], "then loop 1 fills, then the fewest")
        group.placedStreamClosed(on: 0)
        group.placedStreamClosed(on: 0)
        #expect(group.placeStream() == 0, "loop 0 is below the fill again")
    }

    @Test func admission_isOneDecisionAcrossLoops_underContention() throws {
        let (group, _) = try Self.group(loops: 2)
        let limit = 50
        for _ in 0..<400 { _ = group.placeStream() }
        let admitted = AdmittedCount()
        DispatchQueue.concurrentPerform(iterations: 400) { i in
            let refusal = group.admit(on: i % 2) { started in
                started >= limit ? StartRefusal(code: 1013, reason: "busy", outcome: "rejected_busy", cause: "at MAX_CALLS") : nil
            }
            if refusal == nil { admitted.add() }
        }
        #expect(admitted.value == limit, "never more than the limit, however the loops interleave")
        #expect(group.startedCalls == limit)
    }

    @Test func aPrewarmedSession_isFoundOnce_onTheLoopThatWarmedIt() throws {
        let (group, loops) = try Self.group(loops: 2)
        _ = group.placeStream()  // loop 0 is busier: the session warms on loop 1
        let manager = try #require(group.manager(on: loops[0]))
        group.prewarm(callSid: "CA1", agent: nil, from: manager)
        group.prewarm(callSid: "CA1", agent: nil, from: manager)  // a replayed webhook: the same loop, once
        loops[1].runOnce(maxWaitMs: 100)
        #expect(group.manager(on: loops[1])?.prewarmedSessions == 1)
        #expect(group.manager(on: loops[0])?.prewarmedSessions == 0)
    }

    final class AdmittedCount: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        func add() { lock.withLock { count += 1 } }
        var value: Int { lock.withLock { count } }
    }
}
