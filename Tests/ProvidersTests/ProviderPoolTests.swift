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

/// Token parsing, caching and the request for each identity endpoint.
@Suite struct AzureTokenSourceTests {
    @Test func imdsRequest_andCaching() {
        var identity = ProviderSettingsIdentity.make()
        identity.clientId = "c 1"
        var fetched: [(String, [(String, String)])] = []
        var answer: ((Result<(status: Int, body: [UInt8]), AzureTokenSource.TokenError>) -> Void)?
        let source = AzureTokenSource(identity: identity) { url, headers, completion in
            fetched.append((url, headers))
            answer = completion
        }
        var got: [String] = []
        source.token(nowMs: 0) { got.append((try? $0.get()) ?? "error") }
        source.token(nowMs: 0) { got.append((try? $0.get()) ?? "error") }  // shares the request in flight
        #expect(fetched.count == 1)
        #expect(fetched[0].0 == "http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fcognitiveservices.azure.com&client_id=c%201")
        #expect(fetched[0].1.first! == ("Metadata", "true"))
        answer?(.success((200, Array(#"{"access_token":"tok","expires_in":"3600","token_type":"Bearer"}"#.utf8))))
        #expect(got == ["tok", "tok"])
        source.token(nowMs: 3_000_000) { got.append((try? $0.get()) ?? "error") }  // cached until 5 min before expiry
        #expect(fetched.count == 1 && got.count == 3)
        source.token(nowMs: 3_300_001) { _ in }
        #expect(fetched.count == 2)
    }

    @Test func errors_sayWhatToCheck() {
        let source = AzureTokenSource(identity: ProviderSettingsIdentity.make()) { _, _, _ in }
        let refused = source.parse(status: 400, body: Array("Identity not found".utf8), askedAtMs: 0)
        #expect((try? refused.get()) == nil)
        if case .failure(let e) = refused { #expect(e.message.contains("HTTP 400") && e.message.contains("no managed identity")) }
        if case .failure(let e) = source.parse(status: 200, body: Array("{}".utf8), askedAtMs: 0) {
            #expect(e.message.contains("no access_token"))
        } else { Issue.record("a body without a token was accepted") }
    }
}

/// The default identity settings (IMDS, system-assigned).
enum ProviderSettingsIdentity {
    static func make() -> ProviderSettings.Identity { ProviderSettings.Identity() }
}
