import HTTP
import Logging
import Net
import NetTestSupport
import Realtime
import Testing
@testable import Providers

/// `ProviderFailover` on a real loop: a target that refuses its handshake is skipped for the
/// next one, counted, and cooled down; when every target fails the delegate hears the last reason.
@Suite struct ProviderFailoverTests {
    final class Outcome: ProviderFailoverDelegate {
        var opened: RealtimeClient?
        var failed: RealtimeCloseReason?
        func providerFailover(_ failover: ProviderFailover, didOpen client: RealtimeClient) { opened = client }
        func providerFailover(_ failover: ProviderFailover, didFailWith reason: RealtimeCloseReason) { failed = reason }
    }

    /// A "provider" that answers every upgrade with 401 and Realtime's error body.
    static func refusing(_ loop: EventLoop) throws -> ScriptedHTTPServer {
        try ScriptedHTTPServer(loop: loop, responses: [.json(401, #"{"error":{"code":"invalid_api_key","message":"Incorrect API key provided"}}"#)])
    }

    @Test func aRefusedTarget_isSkippedForTheNext_andCooledDown() throws {
        let loop = try EventLoop()
        let refusing = try Self.refusing(loop)
        let pool = ProviderPool(primary: [.init(endpoint: .openAI(apiKey: "sk-test", baseURL: "http://127.0.0.1:\(refusing.port)/v1", model: "m")),
                                          .init(endpoint: .local)], cooldownMs: 60_000)
        let outcome = Outcome()
        let failover = ProviderFailover(pool: pool, plan: [0, 1], loop: loop, tls: nil, timeoutMs: 2_000, log: Logger(),
                                        isReconnect: false, delegate: outcome)
        #expect(loop.run(until: { outcome.opened != nil || outcome.failed != nil }, timeoutMs: 3_000))
        #expect(outcome.opened?.endpoint.provider == "local", "the call went on to the next target")
        #expect(failover.openedTarget == 1)
        #expect(refusing.requests.count == 1 && refusing.requests[0].head.path == "/v1/realtime")
        #expect(pool.isCoolingDown(0), "a refused key is a configuration failure: the target cools down")
        #expect(pool.attemptsByTarget.contains { $0.outcome == "refused_config" && $0.count == 1 })
        #expect(!pool.isKnownDown())
        failover.close()
    }

    @Test func whenEveryTargetFails_theDelegateHearsTheLastReason_andThePoolCountsIt() throws {
        let loop = try EventLoop()
        let refusing = try Self.refusing(loop)
        let endpoint = RealtimeEndpoint.openAI(apiKey: "sk-test", baseURL: "http://127.0.0.1:\(refusing.port)/v1", model: "m")
        let pool = ProviderPool(primary: [.init(endpoint: endpoint)], cooldownMs: 60_000)
        for _ in 0..<3 {
            let outcome = Outcome()
            let failover = ProviderFailover(pool: pool, plan: [0], loop: loop, tls: nil, timeoutMs: 2_000, log: Logger(),
                                            isReconnect: false, delegate: outcome)
            #expect(loop.run(until: { outcome.failed != nil }, timeoutMs: 3_000))
            if case .refused(let status, _) = outcome.failed { #expect(status == 401) } else { Issue.record("\(String(describing: outcome.failed))") }
            withExtendedLifetime(failover) {}
        }
        #expect(pool.isKnownDown(), "three calls in a row found no provider: /readyz says so")
    }
}
