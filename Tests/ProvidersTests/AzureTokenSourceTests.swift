import Testing
@testable import Providers
import Config
import Realtime

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
