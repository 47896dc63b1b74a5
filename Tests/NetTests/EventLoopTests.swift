import Foundation
import Testing
@testable import Net

@Suite struct EventLoopTests {
    @Test func timers_fireInDeadlineOrder_andCancelledOnesDoNot() throws {
        let loop = try EventLoop()
        var fired: [String] = []
        loop.schedule(afterMs: 30) { fired.append("c"); loop.stop() }
        loop.schedule(afterMs: 10) { fired.append("a") }
        let cancelled = loop.schedule(afterMs: 15) { fired.append("x") }
        loop.schedule(afterMs: 20) { fired.append("b") }
        cancelled.cancel()
        loop.run()
        #expect(fired == ["a", "b", "c"])
        #expect(!cancelled.isPending)
    }

    /// An iteration busy past `slowIterationUs` is reported with what ran in it; every iteration
    /// feeds `onIteration` (the loop-busy histogram).
    @Test func onAManualClock_timersFireWhenTheClockSaysSo_notByTheWallClock() throws {
        let clock = ManualClock()
        let loop = try EventLoop(clock: .manual(clock))
        var fired: [String] = []
        loop.schedule(afterMs: 10_000) { fired.append("10 s") }
        loop.schedule(afterMs: 15_000) { fired.append("15 s") }
        loop.runOnce(maxWaitMs: 0)
        #expect(fired.isEmpty)
        clock.advance(ms: 9_999)
        loop.runOnce(maxWaitMs: 0)
        #expect(fired.isEmpty, "one millisecond early")
        clock.advance(ms: 1)
        loop.runOnce(maxWaitMs: 0)
        #expect(fired == ["10 s"])
        #expect(loop.now == loop.currentTimeMs() && loop.now == clock.nowUs / 1000)
        clock.advance(ms: 60_000)
        loop.runOnce(maxWaitMs: 0)
        #expect(fired == ["10 s", "15 s"])
    }

    @Test func aSlowIteration_isReportedWithItsPhases() throws {
        let loop = try EventLoop()
        loop.slowIterationUs = 20_000
        var iterations = 0
        var reports: [(Int64, String)] = []
        loop.onIteration = { _ in iterations += 1 }
        loop.onSlowIteration = { busy, what in reports.append((busy, what)) }
        loop.schedule(afterMs: 1) {
            let until = MonotonicClock.nowUs() + 30_000
            while MonotonicClock.nowUs() < until {}  // a handler that holds the loop for 30 ms
        }
        loop.schedule(afterMs: 60) { loop.stop() }
        loop.run()
        #expect(iterations >= 2)
        #expect(reports.count == 1, "\(reports)")
        #expect((reports.first?.0 ?? 0) >= 30_000)
        #expect(reports.first?.1.contains("1 timers and their work") == true, "\(reports)")
    }

    @Test func execute_fromAnotherThread_runsOnTheLoop() throws {
        let loop = try EventLoop()
        let ran = LoopConfinedFlag()
        let guardTimer = loop.schedule(afterMs: 5_000) { loop.stop() }
        let handle = loop.handle
        Thread.detachNewThread { handle.execute { loop in ran.value = true; loop.stop() } }
        loop.run()
        #expect(ran.value)
        #expect(guardTimer.isPending, "the loop should have been woken by execute, not by the 5 s guard")
    }

    @Test func afterCurrentEvents_runsBeforeTimers() throws {
        let loop = try EventLoop()
        var order: [Int] = []
        loop.schedule(afterMs: 0) { order.append(2); loop.stop() }
        loop.afterCurrentEvents { order.append(1) }
        loop.run()
        #expect(order == [1, 2])
    }

    @Test func afterEventsTasks_runAfterClosures_inOrder_andOnesAddedMeanwhileRunInTheSamePass() throws {
        let loop = try EventLoop()
        var order: [String] = []
        final class Task: AfterEventsTask {
            let name: String
            let body: (String) -> Void
            init(_ name: String, _ body: @escaping (String) -> Void) { self.name = name; self.body = body }
            func runAfterCurrentEvents() { body(name) }
        }
        let late = Task("late task") { order.append($0); loop.stop() }
        let first = Task("task 1") { name in
            order.append(name)
            loop.afterCurrentEvents { order.append("closure from task 1") }
            loop.afterCurrentEvents(late)
        }
        let second = Task("task 2") { order.append($0) }
        loop.schedule(afterMs: 0) {
            loop.afterCurrentEvents(first)
            loop.afterCurrentEvents { order.append("closure") }
            loop.afterCurrentEvents(second)
        }
        loop.run()
        #expect(order == ["closure", "task 1", "task 2", "closure from task 1", "late task"])
    }

    @Test func timerQueue_handlesManyTimersInOrder() {
        let queue = TimerQueue()
        var fired: [Int64] = []
        var generator = SystemRandomNumberGenerator()
        let deadlines = (0..<500).map { _ in Int64.random(in: 0..<1000, using: &generator) }
        for d in deadlines { _ = queue.schedule(deadline: d) { fired.append(d) } }
        while let timer = queue.popDue(now: 1000) { timer.fire() }
        #expect(fired == deadlines.sorted())
        #expect(queue.isEmpty)
    }

    @Test func timerQueue_cancelRemovesAtOnce_andTheRestStillFireInOrder() {
        let queue = TimerQueue()
        var fired: [Int] = []
        var generator = SystemRandomNumberGenerator()
        let deadlines = (0..<2_000).map { _ in Int64.random(in: 0..<100, using: &generator) }
        let timers = deadlines.enumerated().map { index, d in queue.schedule(deadline: d) { fired.append(index) } }
        var cancelled = Set<Int>()
        for index in timers.indices where Bool.random(using: &generator) {
            timers[index].cancel()
            timers[index].cancel()  // twice is harmless
            cancelled.insert(index)
        }
        #expect(queue.count == timers.count - cancelled.count, "cancelled timers must leave the heap, not wait for their deadline")
        while let timer = queue.popDue(now: 100) { timer.fire() }
        let expected = deadlines.indices.filter { !cancelled.contains($0) }.sorted { (deadlines[$0], $0) < (deadlines[$1], $1) }
        #expect(fired == expected)
        #expect(queue.isEmpty)
        timers[0].cancel()  // after firing: nothing to remove
        #expect(queue.isEmpty)
    }
}

/// Written only by a closure that `execute` runs on the loop thread, read after `run()` returns on
/// that same thread; the other thread merely carries the reference.
final class LoopConfinedFlag: @unchecked Sendable {
    var value = false
}

