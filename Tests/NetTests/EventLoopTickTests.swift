import Foundation
import Glibc
import Testing
@testable import Net

/// The loop with a wake-up tick (`LOOP_TICK_US`): events are all still handled, with fewer
/// wake-ups; timers, `execute` from other threads and `stop()` are not held back by a tick.
@Suite struct EventLoopTickTests {
    /// A policy already ticking, whose window is long enough that it keeps ticking for the test.
    private func ticking(tickUs: Int64) -> LoopWakePolicy {
        var policy = LoopWakePolicy(tickUs: tickUs, windowUs: 10_000_000)
        let now = MonotonicClock.nowUs()
        policy.record(events: 0, slept: true, atUs: now - 10_000_000)
        for i in 1...1_000 { policy.record(events: 1, slept: true, atUs: now - 10_000_000 + Int64(i) * 10_000) }
        return policy
    }

    @Test func aBusyStream_isServedInFull_withFewerWakeUps() throws {
        var fds: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
        let loop = try EventLoop(wakePolicy: LoopWakePolicy(tickUs: 2_000))
        var received = 0, wakeUps = 0, sawTick = false
        try loop.register(fd: fds[0], interest: .readable) { _ in
            wakeUps += 1
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = read(fds[0], &buffer, buffer.count)
                guard n > 0 else { break }
                received += n
            }
            if loop.wakePolicy.wait == .tick { sawTick = true }
        }
        let writer = fds[1]
        let bytes = 2_000
        let start = MonotonicClock.nowUs()
        Thread.detachNewThread {
            var one: UInt8 = 1
            for _ in 0..<bytes {  // a byte every 100 µs or so: 20 per 2 ms tick
                _ = write(writer, &one, 1)
                usleep(100)
            }
        }
        #expect(loop.run(until: { received == bytes }, timeoutMs: 20_000))
        let elapsedUs = MonotonicClock.nowUs() - start
        #expect(sawTick, "10 events a millisecond should switch a 2 ms tick on")
        // Ticking, it wakes once per 2 ms; blocking, only while under 2 events per tick. A writer
        // slowed by a busy machine stretches the time, not the bound: 2 per tick plus the first
        // window's, never one wake-up per write at full speed.
        let bound = Int(2 * elapsedUs / 2_000) + 200
        #expect(wakeUps < min(bound, bytes), "\(wakeUps) wake-ups for \(bytes) writes in \(elapsedUs) µs: the tick did not coalesce them")
        // Once the writes stop, the loop blocks again (one 20 ms window with nothing; more time
        // only for a machine too busy to run the loop).
        #expect(loop.run(until: { loop.wakePolicy.wait == .block }, timeoutMs: 2_000))
    }

    @Test func whileTicking_aTimerFiresAtItsDeadline_notAtTheTick() throws {
        let loop = try EventLoop(wakePolicy: ticking(tickUs: 200_000))
        let start = MonotonicClock.nowUs()
        var firedAfterUs: Int64 = -1
        loop.schedule(afterMs: 10) { firedAfterUs = MonotonicClock.nowUs() - start; loop.stop() }
        let guardTimer = loop.schedule(afterMs: 5_000) { loop.stop() }
        loop.run()
        guardTimer.cancel()
        #expect(loop.wakePolicy.wait == .tick)
        #expect(firedAfterUs >= 9_000)  // deadlines are whole milliseconds
        #expect(firedAfterUs < 150_000, "fired \(firedAfterUs) µs after scheduling: it waited for the 200 ms tick")
    }

    @Test func whileTicking_executeFromAnotherThread_wakesTheLoop() throws {
        let loop = try EventLoop(wakePolicy: ticking(tickUs: 500_000))
        let ran = LoopConfinedFlag()
        let guardTimer = loop.schedule(afterMs: 5_000) { loop.stop() }
        let handle = loop.handle
        let start = MonotonicClock.nowUs()
        Thread.detachNewThread {
            usleep(20_000)  // the loop is asleep in its tick by now
            handle.execute { loop in ran.value = true; loop.stop() }
        }
        loop.run()
        #expect(ran.value)
        #expect(guardTimer.isPending)
        #expect(MonotonicClock.nowUs() - start < 400_000, "execute waited for the 500 ms tick")
    }

    @Test func whileTicking_runOnceWithoutWaiting_doesNotSleep() throws {
        let loop = try EventLoop(wakePolicy: ticking(tickUs: 500_000))
        let start = MonotonicClock.nowUs()
        for _ in 0..<10 { loop.runOnce(maxWaitMs: 0) }
        #expect(MonotonicClock.nowUs() - start < 400_000)
    }
}
