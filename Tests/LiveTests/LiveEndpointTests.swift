import Testing
import Live

@Suite("LiveEndpoint")
struct LiveEndpointTests {
    private func headers(_ endpoint: LiveEndpoint) -> [String] {
        endpoint.headers.map { "\($0.0): \($0.1)" }
    }

    @Test func openAI_noQueryNoModelNoBetaHeader() {
        let endpoint = LiveEndpoint.openAI(apiKey: "sk-test")
        #expect(endpoint.url == "wss://api.openai.com/v1/live/sessions")
        #expect(headers(endpoint) == ["Authorization: Bearer sk-test"])
        #expect(endpoint.label == "openai api.openai.com")
    }

    @Test func openAI_customBase() {
        #expect(LiveEndpoint.openAI(apiKey: "k", baseURL: "https://gw.example.com:8443/proxy/v1/").url
            == "wss://gw.example.com:8443/proxy/v1/live/sessions")
        #expect(LiveEndpoint.openAI(apiKey: "k", baseURL: "http://127.0.0.1:9000/v1").url == "ws://127.0.0.1:9000/v1/live/sessions")
        #expect(LiveEndpoint.openAI(apiKey: "k", baseURL: "api.example.com/v1?x=1").url == "wss://api.example.com/v1/live/sessions")
    }

    @Test func azure_keyAndEntra() throws {
        let host = try #require(LiveEndpoint.azureHost("https://myres.openai.azure.com/"))
        let keyed = LiveEndpoint.azure(host: host, apiKey: "az-key")
        #expect(keyed.url == "wss://myres.openai.azure.com/openai/v1/live/sessions")
        #expect(headers(keyed) == ["api-key: az-key"])
        let entra = LiveEndpoint.azure(host: host, bearerToken: "tok")
        #expect(entra.url == keyed.url)
        #expect(headers(entra) == ["Authorization: Bearer tok"])
        #expect(headers(keyed.authorized(bearer: "t2")) == ["Authorization: Bearer t2"])
    }

    @Test func azureHost_normalisesWhatAZURE_OPENAI_ENDPOINTHolds() {
        for text in ["myres.openai.azure.com", "https://myres.openai.azure.com", "https://myres.openai.azure.com/",
                     "HTTPS://myres.openai.azure.com//", "wss://myres.openai.azure.com", " myres.openai.azure.com\t"] {
            #expect(LiveEndpoint.azureHost(text) == "myres.openai.azure.com", "\(text)")
        }
        #expect(LiveEndpoint.azureHost("https://myres.openai.azure.com:8443") == "myres.openai.azure.com:8443")
        for bad in ["", "https://", "http://myres.openai.azure.com", "ws://h", "ftp://h",
                    "https://myres.openai.azure.com/openai/v1", "https://h?api-version=1", "https://h#x", "user@h"] {
            #expect(LiveEndpoint.azureHost(bad) == nil, "\(bad)")
        }
    }
}
