import Testing
@testable import Providers

@Suite struct ProviderHealthTests {
    @Test func downAfterThreeFailures_upAfterSuccessOrTime() {
        var health = ProviderHealth()
        health.recordFailure(nowMs: 1_000)
        health.recordFailure(nowMs: 2_000)
        #expect(!health.isKnownDown(nowMs: 2_000))
        health.recordFailure(nowMs: 3_000)
        #expect(health.isKnownDown(nowMs: 3_000))
        #expect(!health.isKnownDown(nowMs: 3_000 + health.memoryMs), "a stale verdict lets a call try again")
        health.recordSuccess()
        #expect(!health.isKnownDown(nowMs: 3_001))
    }
}
