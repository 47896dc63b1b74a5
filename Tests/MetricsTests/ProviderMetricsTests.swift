@testable import Metrics
import Testing
@testable import Providers
import Realtime

/// The failover counters reach `/metrics`.
@Suite struct ProviderMetricsTests {
    @Test func metrics_showPathsAttemptsAndReconnects() {
        let primaries = ["a", "b"].map { ProviderPool.Target(endpoint: .azure(endpoint: "e", deployment: $0, apiKey: "k", apiVersion: nil)) }
        let p = ProviderPool(primary: primaries, fallback: ProviderPool.Target(endpoint: .openAI(apiKey: "sk", model: "gpt-realtime")),
                             cooldownMs: 1_000)
        p.recordFailure(0, .configuration(status: 404), nowMs: 0)
        p.recordSuccess(1, position: 1)   // a new call that failed over
        p.recordSuccess(2, position: 2)   // a new call on the fallback
        p.recordUnavailable()
        p.recordReconnect(ok: true)
        let text = CallMetrics().render(.init(activeCalls: 0, maxCalls: 10, pendingCalls: 0, draining: false, ready: true),
                                        providers: p)
        #expect(text.contains(#"voice_bridge_provider_calls_total{path="failover"} 1"#))
        #expect(text.contains(#"voice_bridge_provider_calls_total{path="fallback"} 1"#))
        #expect(text.contains(#"voice_bridge_provider_calls_total{path="unavailable"} 1"#))
        #expect(text.contains(#"voice_bridge_provider_attempts_total{target="azure e/a",result="refused_config"} 1"#))
        #expect(text.contains(#"voice_bridge_provider_attempts_total{target="azure e/b",result="ok"} 1"#))
        #expect(text.contains(#"voice_bridge_provider_reconnects_total{result="ok"} 1"#))
        #expect(text.contains("# TYPE voice_bridge_provider_calls_total counter"))
    }

    /// One rotation per event loop: `/metrics` sums their counters, and says the provider is down
    /// only when every loop finds it down.
    @Test func metrics_sumTheLoopsRotations() {
        let target = ProviderPool.Target(endpoint: .openAI(apiKey: "sk", model: "gpt-realtime"))
        let pools = [ProviderPool(primary: [target]), ProviderPool(primary: [target])]
        pools[0].recordSuccess(0, position: 0)
        pools[1].recordSuccess(0, position: 0)
        pools[1].recordSuccess(0, position: 0)
        pools[1].recordReconnect(ok: false)
        for _ in 0..<3 { pools[1].recordUnavailable() }
        let gauges = CallMetrics.Gauges(activeCalls: 0, maxCalls: 10, pendingCalls: 0, draining: false, ready: true)
        let text = CallMetrics().render(gauges, pools: pools)
        #expect(text.contains(#"voice_bridge_provider_calls_total{path="primary"} 3"#))
        #expect(text.contains(#"voice_bridge_provider_attempts_total{target="openai api.openai.com/gpt-realtime",result="ok"} 3"#))
        #expect(text.contains(#"voice_bridge_provider_reconnects_total{result="failed"} 1"#))
        #expect(text.contains("voice_bridge_provider_up 1"), "loop 0's rotation still works")
        for _ in 0..<3 { pools[0].recordUnavailable() }
        #expect(CallMetrics().render(gauges, pools: pools).contains("voice_bridge_provider_up 0"))
    }
}
