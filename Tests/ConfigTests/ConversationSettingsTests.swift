import Testing
import Config

@Suite struct ConversationSettingsTests {
    func load(_ v: [String: String]) throws -> ConversationSettings {
        try ConversationSettings.load(from: Environment(process: v))
    }

    @Test func defaults_suitAPhoneLine() throws {
        let s = try load([:])
        #expect(s.turnDetection == "server_vad")
        #expect(s.noiseReduction == "far_field")
        #expect(s.forwardDTMF && s.prewarm)
        #expect(s.transcriptsDir == nil)
    }

    @Test func values_areParsed() throws {
        let s = try load(["TURN_DETECTION": "Semantic_VAD", "VAD_EAGERNESS": "high", "NOISE_REDUCTION": "off",
                          "VAD_THRESHOLD": "0.7", "VAD_SILENCE_MS": "800", "VAD_PREFIX_MS": "200",
                          "FORWARD_DTMF": "false", "TRANSCRIPTS_DIR": "/tmp/t", "PREWARM": "no",
                          "CALLER_AUDIO_BATCH_MS": "60"])
        #expect(s.turnDetection == "semantic_vad" && s.vadEagerness == "high")
        #expect(s.noiseReduction == nil)
        #expect(s.vadThreshold == 0.7 && s.vadSilenceMs == 800 && s.vadPrefixMs == 200)
        #expect(!s.forwardDTMF && !s.prewarm)
        #expect(s.transcriptsDir == "/tmp/t")
        #expect(s.callerAudioBatchMs == 60)
        #expect(try load([:]).callerAudioBatchMs == 20, "each frame as it came, by default")
    }

    @Test(arguments: ["TURN_DETECTION=magic", "VAD_THRESHOLD=2", "VAD_SILENCE_MS=abc", "NOISE_REDUCTION=loud", "FORWARD_DTMF=maybe",
                      "CALLER_AUDIO_BATCH_MS=30", "CALLER_AUDIO_BATCH_MS=0", "CALLER_AUDIO_BATCH_MS=220", "CALLER_AUDIO_BATCH_MS=x"])
    func invalidValues_nameTheirVariable(assignment: String) {
        let parts = assignment.split(separator: "=").map(String.init)
        do {
            _ = try load([parts[0]: parts[1]])
            Issue.record("\(assignment) should be refused")
        } catch let error as ConfigError {
            #expect(error.variable == parts[0])
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
