import Testing
@testable import Config

/// Deployments, endpoints and keys; auth; failover and fallback; the proxy.
@Suite struct ProviderSettingsTests {
    /// Loads with signature validation off: these tests are about providers, not Twilio's token.
    static func load(_ variables: [String: String]) throws -> ProviderSettings {
        let env = ["TWILIO_VALIDATE_SIGNATURES": "false"].merging(variables) { $1 }
        return try Settings.load(from: Environment(process: env), fileReader: { _ in nil }).providers
    }

    static func error(_ variables: [String: String]) -> ConfigError? {
        #expect(throws: ConfigError.self) { try load(variables) }
    }

    static let azure = ["USE_AZURE_OPENAI": "true", "AZURE_OPENAI_API_KEY": "k1-secret",
                        "AZURE_OPENAI_ENDPOINT": "https://a.openai.azure.com", "AZURE_OPENAI_DEPLOYMENT": "rt"]

    static func with(_ extra: [String: String], without: [String] = []) -> [String: String] {
        var v = azure.merging(extra) { $1 }
        for name in without { v[name] = nil }
        return v
    }

    @Test func single_deploymentIsOneTarget() throws {
        let p = try Self.load(Self.azure)
        #expect(p.azureTargets == [.init(endpoint: "a.openai.azure.com", deployment: "rt", apiKey: "k1-secret")])
        #expect(p.connectTimeoutMs == 3_000 && p.cooldownMs == 60_000 && !p.fallbackToOpenAI && p.reconnectMidCall)
    }

    @Test func deploymentsTimesEndpoints_alternateResources() throws {
        let p = try Self.load(Self.with(["AZURE_OPENAI_DEPLOYMENTS": "x, y", "AZURE_OPENAI_ENDPOINTS": "a.openai.azure.com,https://b.openai.azure.com:8443",
                                         "AZURE_OPENAI_API_KEYS": "ka,kb"], without: ["AZURE_OPENAI_DEPLOYMENT", "AZURE_OPENAI_ENDPOINT"]))
        #expect(p.azureTargets.map { "\($0.endpoint)/\($0.deployment)/\($0.apiKey!)" } == [
            "a.openai.azure.com/x/ka", "b.openai.azure.com:8443/x/kb", "a.openai.azure.com/y/ka", "b.openai.azure.com:8443/y/kb"])
        #expect(p.secrets.contains("kb"))
    }

    @Test func deploymentPinnedToOneEndpoint() throws {
        let p = try Self.load(Self.with(["AZURE_OPENAI_DEPLOYMENTS": "x@b.openai.azure.com,y", "AZURE_OPENAI_ENDPOINTS": "a.openai.azure.com,b.openai.azure.com"],
                                        without: ["AZURE_OPENAI_DEPLOYMENT"]))
        #expect(p.azureTargets.map { "\($0.endpoint)/\($0.deployment)" } == ["b.openai.azure.com/x", "a.openai.azure.com/y", "b.openai.azure.com/y"])
        let e = Self.error(Self.with(["AZURE_OPENAI_DEPLOYMENTS": "x@c.openai.azure.com"], without: ["AZURE_OPENAI_DEPLOYMENT"]))
        #expect(e?.variable == "AZURE_OPENAI_DEPLOYMENTS" && e?.message.contains("not among the endpoints") == true)
    }

    @Test func contradictions_nameTheVariable() {
        #expect(Self.error(Self.with(["AZURE_OPENAI_DEPLOYMENTS": "x,y"]))?.variable == "AZURE_OPENAI_DEPLOYMENT")
        #expect(Self.error(Self.with(["AZURE_OPENAI_ENDPOINTS": "a.openai.azure.com,b.openai.azure.com", "AZURE_OPENAI_API_KEYS": "only-one"]))?.variable
                == "AZURE_OPENAI_API_KEYS")
        #expect(Self.error(Self.with(["AZURE_OPENAI_ENDPOINTS": "http://a.example"], without: ["AZURE_OPENAI_ENDPOINT"]))?.variable
                == "AZURE_OPENAI_ENDPOINTS")
        #expect(Self.error(Self.with(["FALLBACK_TO_OPENAI": "true"]))?.variable == "OPENAI_API_KEY")
        #expect(Self.error(Self.with(["PROVIDER_CONNECT_TIMEOUT_MS": "5"]))?.variable == "PROVIDER_CONNECT_TIMEOUT_MS")
        #expect(Self.error(Self.with(["AZURE_OPENAI_AUTH": "password"]))?.variable == "AZURE_OPENAI_AUTH")
        #expect(Self.error(Self.with(["IDENTITY_ENDPOINT": "http://127.0.0.1:1/msi"]))?.variable == "IDENTITY_HEADER")
    }

    @Test func managedIdentity_needsNoKey() throws {
        let p = try Self.load(Self.with(["AZURE_OPENAI_AUTH": "managed-identity", "AZURE_CLIENT_ID": "cid"], without: ["AZURE_OPENAI_API_KEY"]))
        #expect(p.azureAuth == .managedIdentity && p.azureTargets.first?.apiKey == nil && p.identity.clientId == "cid")
        #expect(p.identity.imdsURL == "http://169.254.169.254/metadata/identity/oauth2/token")
        let missing = Self.error(Self.with([:], without: ["AZURE_OPENAI_API_KEY"]))
        #expect(missing?.message.contains("AZURE_OPENAI_AUTH=managed-identity") == true)
    }

    @Test func fallback_defaultsOnWhenBothAreConfigured() throws {
        #expect(try Self.load(Self.with(["OPENAI_API_KEY": "sk-x"])).fallbackToOpenAI)
        #expect(try !Self.load(Self.with(["OPENAI_API_KEY": "sk-x", "FALLBACK_TO_OPENAI": "false"])).fallbackToOpenAI)
        #expect(try !Self.load(["OPENAI_API_KEY": "sk-x"]).fallbackToOpenAI)  // OpenAI alone has nothing to fall back from
    }

    @Test func proxy_parsesCredentialsAndNoProxy() throws {
        let p = try Self.load(["HTTPS_PROXY": "http://al%40ice:p%3Ass@proxy.corp:3128/", "NO_PROXY": ".internal.corp, localhost:8080,[::1]"])
        let proxy = try #require(p.proxy)
        #expect(proxy.host == "proxy.corp" && proxy.port == 3128)
        #expect(proxy.authorization == "Basic YWxAaWNlOnA6c3M=")  // base64("al@ice:p:ss")
        #expect(proxy.noProxy == ["internal.corp", "localhost", "::1"])
        #expect(!proxy.applies(to: "x.internal.corp") && !proxy.applies(to: "internal.corp") && !proxy.applies(to: "localhost"))
        #expect(proxy.applies(to: "a.openai.azure.com") && proxy.applies(to: "notinternal.corp"))
        #expect(p.secrets.contains(proxy.authorization!))
        #expect(p.secrets.contains("p%3Ass") && p.secrets.contains("p:ss"), "the password as written and decoded")
        #expect(try Self.load(["https_proxy": "proxy:8080"]).proxy?.port == 8080)
        #expect(try Self.load(["HTTPS_PROXY": "proxy"]).proxy?.port == 1080)
        #expect(try !#require(Self.load(["HTTPS_PROXY": "proxy", "NO_PROXY": "*"]).proxy).applies(to: "anything"))
        let https = Self.error(["HTTPS_PROXY": "https://u:secretpw@proxy:443"])
        #expect(https?.variable == "HTTPS_PROXY" && https?.message.contains("secretpw") == false)
    }
}
