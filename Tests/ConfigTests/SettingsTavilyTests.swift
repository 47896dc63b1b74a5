import Testing
import Config

/// `TAVILY_BASE_URL` and `TAVILY_TIMEOUT_MS`: defaults, normal forms, and errors naming the variable.
@Suite struct SettingsTavilyTests {
    static func load(_ variables: [String: String]) throws -> Settings {
        try Settings.load(from: Environment(process: variables), fileReader: { _ in nil })
    }

    @Test func defaults_areTavilysAPIAndEightSeconds() throws {
        let settings = try Self.load([:])
        #expect(settings.tavilyBaseURL == "https://api.tavily.com")
        #expect(settings.tavilyTimeoutMs == 8_000)
        #expect(settings.tavilyAPIKey == nil)
    }

    @Test(arguments: [("https://search.example.com/", "https://search.example.com"),
                      ("https://proxy.example.com:8443/tavily/", "https://proxy.example.com:8443/tavily"),
                      ("http://127.0.0.1:8099", "http://127.0.0.1:8099"),
                      ("http://localhost:1/", "http://localhost:1")])
    func baseURL_isNormalised(text: String, expected: String) throws {
        #expect(try Self.load(["TAVILY_BASE_URL": text]).tavilyBaseURL == expected)
    }

    @Test(arguments: ["http://api.tavily.com", "ftp://api.tavily.com", "https://api.tavily.com/?x=1", "https://"])
    func baseURL_refusesCleartextToARemoteHostAndJunk(text: String) {
        let error = #expect(throws: ConfigError.self) { try Self.load(["TAVILY_BASE_URL": text]) }
        #expect(error?.variable == "TAVILY_BASE_URL")
    }

    @Test func timeout_isReadInMilliseconds() throws {
        #expect(try Self.load(["TAVILY_TIMEOUT_MS": "2500"]).tavilyTimeoutMs == 2_500)
    }

    @Test(arguments: ["0", "99", "8s", "-1", "120001", "1.5"])
    func timeout_outOfRangeOrNotANumber_namesTheVariableAndTheRange(text: String) {
        let error = #expect(throws: ConfigError.self) { try Self.load(["TAVILY_TIMEOUT_MS": text]) }
        #expect(error?.variable == "TAVILY_TIMEOUT_MS")
        #expect(error?.message.contains("100 to 120000") == true)
    }
}
