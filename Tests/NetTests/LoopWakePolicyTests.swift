import Testing
@testable import Net

/// `LoopWakePolicy`: the rate estimate, its hysteresis, and the tick of 0 that turns it off.
@Suite struct LoopWakePolicyTests {
    /// Feeds one wake-up every `everyUs` with `events` events from `startUs` for `forUs`; returns
    /// the time reached.
    @discardableResult
    private func feed(_ policy: inout LoopWakePolicy, events: Int, everyUs: Int64, fromUs startUs: Int64, forUs: Int64) -> Int64 {
        var t = startUs
        while t < startUs + forUs {
            t += everyUs
            policy.record(events: events, atUs: t)
        }
        return t
    }

    @Test func policy_startsBlocking_andATickOfZeroNeverTicks() {
        var off = LoopWakePolicy(tickUs: 0)
        #expect(off.wait == .block && !off.isEnabled)
        feed(&off, events: 5, everyUs: 10, fromUs: 0, forUs: 200_000)
        #expect(off.wait == .block, "a wake-up every 10 µs would tick at any tick length")
        #expect(LoopWakePolicy(tickUs: 1_000).wait == .block)
    }

    @Test func policy_ticksOnceWakeUpsComeAtTwoPerTick_notBefore() {
        var policy = LoopWakePolicy(tickUs: 1_000)
        // One wake-up a millisecond, however many events each brings: a tick would not save any.
        var t = feed(&policy, events: 8, everyUs: 1_000, fromUs: 0, forUs: 100_000)
        #expect(policy.wait == .block)
        // 2.5 a millisecond: within two windows it ticks.
        t = feed(&policy, events: 1, everyUs: 400, fromUs: t, forUs: 40_000)
        #expect(policy.wait == .tick)
    }

    @Test func policy_wakeUpsWithoutEvents_areNotCounted() {
        var policy = LoopWakePolicy(tickUs: 1_000)
        // Timers firing every 100 µs are wake-ups the tick would not save.
        feed(&policy, events: 0, everyUs: 100, fromUs: 0, forUs: 100_000)
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

    @Test func policy_decidesOnlyAtTheEndOfAWindow() {
        var policy = LoopWakePolicy(tickUs: 500, windowUs: 20_000)
        policy.record(events: 0, atUs: 0)
        // A burst of wake-ups early in the window does not switch it early...
        for i in 1...100 { policy.record(events: 1, atUs: Int64(i) * 10) }
        #expect(policy.wait == .block)
        policy.record(events: 0, atUs: 19_999)
        #expect(policy.wait == .block)
        // ...but counts when the window closes: 100 in 20 ms at a 0.5 ms tick is 2.5 per tick.
        policy.record(events: 0, atUs: 20_000)
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
        policy.record(events: 1, atUs: t + 10_000_000)
        #expect(policy.wait == .block)
    }
}
