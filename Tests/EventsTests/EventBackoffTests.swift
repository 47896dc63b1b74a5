import Events
import Testing

/// Exponential backoff with full jitter: 1 s doubling to a 10-minute cap, delays uniform below the bound.
@Suite struct EventBackoffTests {
    @Test func bound_doublesFromTheBaseUpToTheCap() {
        let backoff = EventBackoff()
        #expect((0..<6).map { backoff.boundMs(attempt: $0) } == [1_000, 2_000, 4_000, 8_000, 16_000, 32_000])
        #expect(backoff.boundMs(attempt: 9) == 512_000)
        #expect(backoff.boundMs(attempt: 10) == 600_000)
        #expect(backoff.boundMs(attempt: 1_000) == 600_000, "no overflow past the cap")
    }

    @Test func delay_staysWithinZeroAndTheBound_andUsesTheRange() {
        let backoff = EventBackoff()
        var random = SystemRandomNumberGenerator()
        for attempt in [0, 3, 12] {
            let delays = (0..<500).map { _ in backoff.delayMs(attempt: attempt, using: &random) }
            let bound = backoff.boundMs(attempt: attempt)
            #expect(delays.allSatisfy { (0...bound).contains($0) })
            // Full jitter: spread over the whole range, not bunched at the bound.
            #expect(delays.contains { $0 < bound / 4 } && delays.contains { $0 > bound * 3 / 4 })
        }
    }

    @Test func defaults_giveUpAfterADay() {
        #expect(EventBackoff().maxAgeSeconds == 86_400)
    }
}
