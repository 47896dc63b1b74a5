import Testing
import Config

/// `VOICE_API` and the GPT-Live variables: defaults, values, and errors naming the variable.
@Suite struct LiveSettingsTests {
    static func load(_ variables: [String: String]) throws -> Settings {
        try Settings.load(from: Environment(process: variables), fileReader: { _ in nil })
    }

    @Test func defaults_realtimeAndTheLiveChoicesReady() throws {
        let live = try Self.load([:]).live
        #expect(live.api == .realtime)
        #expect(live.openAIModel == "gpt-live-1.1" && live.backendModel == "gpt-5.5")
        #expect(live.audioFormat == .pcmu && live.maxQueuedMs == 100)
        #expect(live.webSearch(tavily: true) == .tavily && live.webSearch(tavily: false) == .off)
    }

    @Test func values_areParsed() throws {
        let live = try Self.load(["VOICE_API": "Live", "OPENAI_LIVE_MODEL": "gpt-live-1", "LIVE_BACKEND_MODEL": "gpt-5.5-mini",
                                  "LIVE_BACKEND_INSTRUCTIONS": "Be terse.", "LIVE_WEB_SEARCH": "hosted",
                                  "LIVE_AUDIO_FORMAT": "PCM24000", "LIVE_MAX_QUEUED_MS": "200"]).live
        #expect(live.api == .live && live.openAIModel == "gpt-live-1" && live.backendModel == "gpt-5.5-mini")
        #expect(live.backendInstructions == "Be terse." && live.webSearch(tavily: false) == .hosted)
        #expect(live.audioFormat == .pcm24 && live.maxQueuedMs == 200)
    }

    @Test(arguments: [("VOICE_API", "gpt-live"), ("LIVE_WEB_SEARCH", "bing"), ("LIVE_WEB_SEARCH", "tavily"),
                      ("LIVE_AUDIO_FORMAT", "pcma"), ("LIVE_MAX_QUEUED_MS", "5"), ("LIVE_MAX_QUEUED_MS", "soon")])
    func errors_nameTheVariable(variable: String, value: String) {
        let error = #expect(throws: ConfigError.self) { try Self.load([variable: value]) }
        #expect(error?.variable == variable)
    }

    @Test func prewarm_isOffForLiveUnlessAsked() throws {
        #expect(try ConversationSettings.load(from: Environment(process: [:])).prewarm)
        #expect(try !ConversationSettings.load(from: Environment(process: ["VOICE_API": "live"])).prewarm)
        #expect(try ConversationSettings.load(from: Environment(process: ["VOICE_API": "live", "PREWARM": "true"])).prewarm)
    }
}
