import Testing
@testable import Net

/// `LoopWakePolicy`: the sleep-rate estimate, its hysteresis, the probe back to blocking, and the
/// tick of 0 that turns it off.
@Suite struct LoopWakePolicyTests {
    /// Feeds one wake-up every `everyUs` with `events` events from `startUs` for `forUs`; returns
    /// the time reached.
    @discardableResult
    private func feed(_ policy: inout LoopWakePolicy, events: Int, slept: Bool = true, everyUs: Int64,
                      fromUs startUs: Int64, forUs: Int64) -> Int64 {
        var t = startUs
        while t < startUs + forUs {
            t += everyUs
            policy.record(events: events, slept: slept, atUs: t)
        }
        return t
    }

    @Test func policy_startsBlocking_andATickOfZeroNeverTicks() {
        var off = LoopWakePolicy(tickUs: 0)
        #expect(off.wait == .block && !off.isEnabled)
        feed(&off, events: 5, everyUs: 10, fromUs: 0, forUs: 200_000)
        #expect(off.wait == .block, "a sleep every 10 µs would tick at any tick length")
        #expect(LoopWakePolicy(tickUs: 1_000).wait == .block)
    }

    @Test func policy_ticksOnceSleepsComeAtTwoPerTick_notBefore() {
        var policy = LoopWakePolicy(tickUs: 1_000)
        // One sleep a millisecond, however many events each brings: a tick would not save any.
        var t = feed(&policy, events: 8, everyUs: 1_000, fromUs: 0, forUs: 100_000)
        #expect(policy.wait == .block)
        // 2.5 a millisecond: within two windows it ticks.
        t = feed(&policy, events: 1, everyUs: 400, fromUs: t, forUs: 40_000)
        #expect(policy.wait == .tick)
    }

    @Test func policy_wakeUpsThatFoundNothingOrDidNotSleep_areNotCounted() {
        var policy = LoopWakePolicy(tickUs: 1_000)
        // Timers firing every 100 µs are sleeps the tick would not save.
        var t = feed(&policy, events: 0, everyUs: 100, fromUs: 0, forUs: 100_000)
        #expect(policy.wait == .block)
        // A burst served in many passes without sleeping between them (events already waiting).
        t = feed(&policy, events: 3, slept: false, everyUs: 50, fromUs: t, forUs: 100_000)
        #expect(policy.wait == .block)
    }

    @Test func policy_keepsTickingWhileMostTicksFindWork_andBlocksWhenMostAreEmpty() {
        var policy = LoopWakePolicy(tickUs: 1_000)
        var t = feed(&policy, events: 3, everyUs: 250, fromUs: 0, forUs: 50_000)
        #expect(policy.wait == .tick)
        // Ticking, one wake-up a millisecond finds work (all a tick can see): stays.
        t = feed(&policy, events: 2, everyUs: 1_000, fromUs: t, forUs: 100_000)
        #expect(policy.wait == .tick)
        // Two ticks in three with work: between leave (0.5) and enter (2), so no flapping back.
        t = feed(&policy, events: 1, everyUs: 1_500, fromUs: t, forUs: 100_000)
        #expect(policy.wait == .tick)
        // One tick in three: back to blocking after a window.
        feed(&policy, events: 1, everyUs: 3_000, fromUs: t, forUs: 50_000)
        #expect(policy.wait == .block)
    }

    @Test func policy_whileTicking_probesBlockingForOneWindowInFifty_andKeepsWhatItMeasures() {
        var policy = LoopWakePolicy(tickUs: 500, windowUs: 20_000, probeEveryWindows: 50)
        var t = feed(&policy, events: 2, everyUs: 200, fromUs: 0, forUs: 45_000)
        #expect(policy.wait == .tick)
        // Every tick finds work; 49 more windows later it still ticks, at the 50th it probes.
        var windows = 0
        while policy.wait == .tick && windows < 100 {
            t = feed(&policy, events: 4, everyUs: 500, fromUs: t, forUs: 20_000)
            windows += 1
        }
        #expect(policy.wait == .block)
        #expect((48...51).contains(windows), "probed after \(windows) windows")
        // Blocking, the same traffic comes in bursts: one sleep a millisecond, the rest already
        // waiting. Blocking sleeps less than ticking would, so it stays.
        for _ in 0..<5 {
            t = feed(&policy, events: 10, everyUs: 1_000, fromUs: t, forUs: 1)
            t = feed(&policy, events: 3, slept: false, everyUs: 1, fromUs: t, forUs: 5)
        }
        t = feed(&policy, events: 10, everyUs: 1_000, fromUs: t, forUs: 60_000)
        #expect(policy.wait == .block)
        // Spread out again (a sleep every 200 µs): back to ticking.
        feed(&policy, events: 1, everyUs: 200, fromUs: t, forUs: 45_000)
        #expect(policy.wait == .tick)
    }

    @Test func policy_decidesOnlyAtTheEndOfAWindow() {
        var policy = LoopWakePolicy(tickUs: 500, windowUs: 20_000)
        policy.record(events: 0, slept: true, atUs: 0)
        // A burst of sleeps early in the window does not switch it early...
        for i in 1...100 { policy.record(events: 1, slept: true, atUs: Int64(i) * 10) }
        #expect(policy.wait == .block)
        policy.record(events: 0, slept: true, atUs: 19_999)
        #expect(policy.wait == .block)
        // ...but counts when the window closes: 100 in 20 ms at a 0.5 ms tick is 2.5 per tick.
        policy.record(events: 0, slept: true, atUs: 20_000)
        #expect(policy.wait == .tick)
    }

    @Test func policy_afterTrafficStops_blocksAgain_andALoneEventAfterIdleDoesNotTick() {
        var policy = LoopWakePolicy(tickUs: 1_000)
        let t = feed(&policy, events: 5, everyUs: 200, fromUs: 0, forUs: 45_000)
        #expect(policy.wait == .tick)
        // Traffic stops: ticks return nothing, and one window later the loop blocks again.
        feed(&policy, events: 0, everyUs: 1_000, fromUs: t, forUs: 41_000)
        #expect(policy.wait == .block)
        // One event after ten idle seconds is a low rate, not a burst.
        policy.record(events: 1, slept: true, atUs: t + 10_000_000)
        #expect(policy.wait == .block)
    }
}
