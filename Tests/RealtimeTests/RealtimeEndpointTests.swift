import Testing
import Realtime

@Suite("RealtimeEndpoint")
struct RealtimeEndpointTests {
    private func headers(_ endpoint: RealtimeEndpoint) -> [String] {
        endpoint.headers.map { "\($0.0): \($0.1)" }
    }

    @Test func openAI_defaultBase() {
        let endpoint = RealtimeEndpoint.openAI(apiKey: "sk-test", baseURL: "https://api.openai.com/v1", model: "gpt-realtime")
        #expect(endpoint.url == "wss://api.openai.com/v1/realtime?model=gpt-realtime")
        #expect(headers(endpoint) == ["Authorization: Bearer sk-test"])
        #expect(endpoint.dialect == .ga)
        #expect(endpoint.provider == "openai")
        #expect(endpoint.model == "gpt-realtime")
    }

    @Test func openAI_customBaseKeepsPortAndPathPrefix() {
        let endpoint = RealtimeEndpoint.openAI(apiKey: "k", baseURL: "https://gateway.example.com:8443/proxy/v1/", model: "gpt-realtime")
        #expect(endpoint.url == "wss://gateway.example.com:8443/proxy/v1/realtime?model=gpt-realtime")
    }

    @Test func openAI_httpLoopbackBecomesWs() {
        let endpoint = RealtimeEndpoint.openAI(apiKey: "k", baseURL: "http://localhost:1234/v1", model: "gpt-realtime")
        #expect(endpoint.url == "ws://localhost:1234/v1/realtime?model=gpt-realtime")
        let plain = RealtimeEndpoint.openAI(apiKey: "k", baseURL: "HTTP://127.0.0.1:9000", model: "m")
        #expect(plain.url == "ws://127.0.0.1:9000/realtime?model=m")
    }

    @Test func openAI_percentEncodesModelAndDefaultsToHttps() {
        let endpoint = RealtimeEndpoint.openAI(apiKey: "k", baseURL: "api.example.com/v1", model: "my model/2025&x=é")
        #expect(endpoint.url == "wss://api.example.com/v1/realtime?model=my%20model%2F2025%26x%3D%C3%A9")
    }

    @Test func azure_gaURLWithoutAPIVersion() {
        let endpoint = RealtimeEndpoint.azure(endpoint: "myres.openai.azure.com", deployment: "gpt-realtime",
                                              apiKey: "az-key", apiVersion: nil)
        #expect(endpoint.url == "wss://myres.openai.azure.com/openai/v1/realtime?model=gpt-realtime")
        #expect(headers(endpoint) == ["api-key: az-key"])
        #expect(endpoint.dialect == .ga)
        #expect(endpoint.provider == "azure")
    }

    @Test func azure_previewURLWithBetaHeader() {
        let endpoint = RealtimeEndpoint.azure(endpoint: "myres.openai.azure.com:443", deployment: "gpt-4o-realtime-preview",
                                              apiKey: "az-key", apiVersion: "2025-04-01-preview")
        #expect(endpoint.url
            == "wss://myres.openai.azure.com:443/openai/realtime?api-version=2025-04-01-preview&deployment=gpt-4o-realtime-preview")
        #expect(headers(endpoint) == ["api-key: az-key", "OpenAI-Beta: realtime=v1"])
        #expect(endpoint.dialect == .beta)
        #expect(endpoint.model == "gpt-4o-realtime-preview")
    }

    @Test func local_isTheParrot() {
        #expect(RealtimeEndpoint.local.provider == "local")
        #expect(RealtimeEndpoint.local.url == "local://parrot")
        #expect(RealtimeEndpoint.local.dialect == .ga)
        #expect(RealtimeEndpoint.local.headers.isEmpty)
    }

    @Test func apiVersion_isTheURLsOnlyWhereItHasOne() {
        #expect(RealtimeEndpoint.azure(endpoint: "https://r.openai.azure.com", deployment: "d", apiKey: "k",
                                       apiVersion: "2024-10-01-preview").apiVersion == "2024-10-01-preview")
        #expect(RealtimeEndpoint.azure(endpoint: "https://r.openai.azure.com", deployment: "d", apiKey: "k", apiVersion: nil).apiVersion == nil)
        #expect(RealtimeEndpoint.openAI(apiKey: "k", model: "m").apiVersion == nil)
    }

    @Test func live_openAI_noQueryNoModelInTheURL_noBetaHeader() {
        let endpoint = RealtimeEndpoint.openAILive(apiKey: "sk-test", model: "gpt-live-1")
        #expect(endpoint.api == .live)
        #expect(endpoint.url == "wss://api.openai.com/v1/live/sessions")
        #expect(endpoint.headers.map { "\($0.0): \($0.1)" } == ["Authorization: Bearer sk-test"])
        #expect(endpoint.label == "openai api.openai.com/gpt-live-1 (live)")
        #expect(RealtimeEndpoint.openAILive(apiKey: "k", baseURL: "https://gw.example.com:8443/proxy/v1/", model: "m").url
            == "wss://gw.example.com:8443/proxy/v1/live/sessions")
        #expect(RealtimeEndpoint.openAILive(apiKey: "k", baseURL: "http://127.0.0.1:9000/v1", model: "m").url
            == "ws://127.0.0.1:9000/v1/live/sessions")
    }

    @Test func live_azure_apiKeyHeader_orAnEntraToken() {
        let keyed = RealtimeEndpoint.azureLive(endpoint: "myres.openai.azure.com", deployment: "gpt-live-1", apiKey: "az-key")
        #expect(keyed.api == .live && keyed.apiVersion == nil)
        #expect(keyed.url == "wss://myres.openai.azure.com/openai/v1/live/sessions")
        #expect(keyed.headers.map { "\($0.0): \($0.1)" } == ["api-key: az-key"])
        #expect(keyed.authorized(bearer: "tok").headers.map { "\($0.0): \($0.1)" } == ["Authorization: Bearer tok"])
        #expect(RealtimeEndpoint.openAI(apiKey: "k", model: "m").api == .realtime)
    }
}
