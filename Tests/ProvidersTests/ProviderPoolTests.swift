import Testing
@testable import Providers
import Config
import Realtime

/// Rotation, cool-downs and the fallback.
@Suite struct ProviderPoolTests {
    static func pool(_ names: [String], fallback: Bool = false) -> ProviderPool {
        let primaries = names.map { ProviderPool.Target(endpoint: .azure(endpoint: "e", deployment: $0, apiKey: "k", apiVersion: nil)) }
        let openAI = ProviderPool.Target(endpoint: .openAI(apiKey: "sk", model: "gpt-realtime"))
        return ProviderPool(primary: primaries, fallback: fallback ? openAI : nil, cooldownMs: 1_000)
    }

    @Test func newCalls_rotateAndEndWithTheFallback() {
        let p = Self.pool(["a", "b", "c"], fallback: true)
        #expect(p.planForNewCall(nowMs: 0) == [0, 1, 2, 3])
        #expect(p.planForNewCall(nowMs: 0) == [1, 2, 0, 3])
        #expect(p.planForNewCall(nowMs: 0) == [2, 0, 1, 3])
        #expect(p.planForNewCall(nowMs: 0) == [0, 1, 2, 3])
    }

    @Test func configurationFailure_coolsDownOnlyThatTarget() {
        let p = Self.pool(["a", "b"])
        p.recordFailure(0, .configuration(status: 404), nowMs: 100)
        p.recordFailure(1, .transient, nowMs: 100)
        #expect(p.planForNewCall(nowMs: 200) == [1])
        #expect(p.planForNewCall(nowMs: 200) == [1])
        #expect(p.planForNewCall(nowMs: 1_100) == [0, 1])  // cool-down over
        #expect(p.attempts["azure e/a refused_config"] == 1 && p.attempts["azure e/b failed"] == 1)
    }

    @Test func everythingCooling_triesThemAnyway_unlessThereIsAFallback() {
        let p = Self.pool(["a", "b"])
        p.recordFailure(1, .configuration(status: 401), nowMs: 0)
        p.recordFailure(0, .configuration(status: 401), nowMs: 10)
        #expect(p.planForNewCall(nowMs: 20) == [1, 0])  // oldest failure first
        let f = Self.pool(["a"], fallback: true)
        f.recordFailure(0, .configuration(status: 403), nowMs: 0)
        #expect(f.planForNewCall(nowMs: 1) == [1])
    }

    @Test func afterDrop_nextDeploymentFirst_droppedLast() {
        let p = Self.pool(["a", "b", "c"], fallback: true)
        #expect(p.planAfterDrop(of: 1, nowMs: 0) == [2, 0, 1, 3])
        #expect(Self.pool(["a"]).planAfterDrop(of: 0, nowMs: 0) == [0])
        #expect(p.planAfterDrop(of: 3, nowMs: 0) == [0, 1, 2, 3])
    }

    @Test func classify_followsPROTOCOLS3() {
        for status in [400, 401, 403, 404] {
            #expect(ProviderPool.Failure.classify(.refused(status: status, body: "")) == .configuration(status: status))
        }
        for status in [408, 429, 500, 503] {
            #expect(ProviderPool.Failure.classify(.refused(status: status, body: "")) == .transient)
        }
        #expect(ProviderPool.Failure.classify(.failed("timed out")) == .transient)
    }

    @Test func paths_areCounted() {
        let p = Self.pool(["a", "b"], fallback: true)
        p.recordSuccess(0, position: 0)
        p.recordSuccess(1, position: 1)
        p.recordSuccess(2, position: 2)
        p.recordSuccess(0, position: nil)
        p.recordUnavailable()
        #expect(p.callsByPath == ["primary": 1, "failover": 1, "fallback": 1, "unavailable": 1])
        #expect(p.reconnects == ["ok": 1])
    }
}

/// The default identity settings (IMDS, system-assigned).
enum ProviderSettingsIdentity {
    static func make() -> ProviderSettings.Identity { ProviderSettings.Identity() }
}
