import Testing
import Config

/// The operating settings: Twilio signature policy, call limits, drain and buffer bounds.
@Suite struct SettingsOperationTests {
    static func load(_ variables: [String: String]) throws -> Settings {
        try Settings.load(from: Environment(process: variables), fileReader: { _ in nil })
    }

    static func error(_ variables: [String: String]) -> ConfigError? {
        #expect(throws: ConfigError.self) { try load(variables) }
    }

    static let openAI = ["OPENAI_API_KEY": "sk-test-123456"]

    // MARK: - Signatures

    @Test func realProviderWithoutToken_refusesToStart_namingBothVariables() throws {
        let error = try #require(Self.error(Self.openAI))
        #expect(error.variable == "TWILIO_AUTH_TOKEN")
        #expect(error.message.contains("TWILIO_VALIDATE_SIGNATURES=false"))
        #expect(error.message.contains("Auth Token"))
    }

    @Test func tokenSet_validates_andExplicitFalseWins() throws {
        #expect(try Self.load(Self.openAI.merging(["TWILIO_AUTH_TOKEN": "tok-0123456789"]) { $1 }).twilioSignatures == .validate)
        #expect(try Self.load(Self.openAI.merging(["TWILIO_VALIDATE_SIGNATURES": "false"]) { $1 }).twilioSignatures
            == .disabledExplicitly)
        let both = try Self.load(Self.openAI.merging(["TWILIO_AUTH_TOKEN": "tok-0123456789", "TWILIO_VALIDATE_SIGNATURES": "off"]) { $1 })
        #expect(both.twilioSignatures == .disabledExplicitly)
    }

    @Test func localProvider_defaultsToOff_butHonoursAToken() throws {
        #expect(try Self.load([:]).twilioSignatures == .disabledForLocalProvider)
        #expect(try Self.load(["TWILIO_AUTH_TOKEN": "tok-0123456789"]).twilioSignatures == .validate)
    }

    @Test func explicitTrueWithoutToken_isAnError() throws {
        let error = try #require(Self.error(["TWILIO_VALIDATE_SIGNATURES": "true"]))
        #expect(error.variable == "TWILIO_AUTH_TOKEN")
        #expect(Self.error(["TWILIO_VALIDATE_SIGNATURES": "maybe"])?.variable == "TWILIO_VALIDATE_SIGNATURES")
    }

    @Test func tokenIsASecret_andTheSummaryOnlySaysOnOrOff() throws {
        let settings = try Self.load(["TWILIO_AUTH_TOKEN": "tok-0123456789"])
        #expect(settings.secrets.contains("tok-0123456789"))
        let summary = settings.summary()
        #expect(summary.contains { $0 == ("twilio_signatures", "on") })
        #expect(!summary.contains { $0.1.contains("tok-0123456789") })
    }

    @Test func publicURLScheme_isKeptWhenWritten() throws {
        #expect(try Self.load(["PUBLIC_URL": "https://a.ngrok.app"]).publicURLScheme == "https")
        #expect(try Self.load(["PUBLIC_URL": "http://a.ngrok.app"]).publicURLScheme == "http")
        #expect(try Self.load(["PUBLIC_URL": "a.ngrok.app"]).publicURLScheme == nil)
    }

    // MARK: - Limits

    @Test func defaults() throws {
        let settings = try Self.load([:])
        #expect(settings.maxCalls == nil)
        #expect(settings.drainTimeoutSeconds == 600)
        #expect(settings.maxBufferedAudioSeconds == 60)
    }

    @Test(arguments: [("600", 600), ("90s", 90), ("10m", 600), ("1h", 3600), ("0", 0), ("2M", 120)])
    func drainTimeout_acceptsSecondsAndUnits(text: String, seconds: Int) throws {
        #expect(try Self.load(["DRAIN_TIMEOUT": text]).drainTimeoutSeconds == seconds)
    }

    @Test(arguments: ["ten", "-5", "5d", "m", "25h", "1.5m"])
    func drainTimeout_rejectsOtherForms(text: String) {
        let error = Self.error(["DRAIN_TIMEOUT": text])
        #expect(error?.variable == "DRAIN_TIMEOUT")
        #expect(error?.message.contains("10m") == true)
    }

    @Test func maxCalls_andBufferedAudio_arePositiveWholeNumbers() throws {
        #expect(try Self.load(["MAX_CALLS": "40"]).maxCalls == 40)
        #expect(try Self.load(["MAX_BUFFERED_AUDIO_SECONDS": "5"]).maxBufferedAudioSeconds == 5)
        #expect(Self.error(["MAX_CALLS": "0"])?.variable == "MAX_CALLS")
        #expect(Self.error(["MAX_CALLS": "many"])?.variable == "MAX_CALLS")
        #expect(Self.error(["MAX_BUFFERED_AUDIO_SECONDS": "241"])?.variable == "MAX_BUFFERED_AUDIO_SECONDS")
    }

    @Test func eventLoops_autoByDefault_aCountOtherwise_andTheFill() throws {
        #expect(try Self.load([:]).eventLoops == nil)
        #expect(try Self.load(["EVENT_LOOPS": "auto"]).eventLoops == nil)
        #expect(try Self.load(["EVENT_LOOPS": "4"]).eventLoops == 4)
        #expect(try Self.load([:]).eventLoopFill == 48)
        #expect(try Self.load(["EVENT_LOOP_FILL": "1"]).eventLoopFill == 1)
        for bad in ["0", "-1", "two", "257"] { #expect(Self.error(["EVENT_LOOPS": bad])?.variable == "EVENT_LOOPS", "\(bad)") }
        #expect(Self.error(["EVENT_LOOP_FILL": "0"])?.variable == "EVENT_LOOP_FILL")
    }

    @Test func loopTick_defaultsOn_zeroTurnsItOff_andAboveAMillisecondIsRefused() throws {
        #expect(try Self.load([:]).loopTickUs == Settings.defaultLoopTickUs)
        #expect(Settings.defaultLoopTickUs > 0 && Settings.defaultLoopTickUs <= 1_000)
        #expect(try Self.load(["LOOP_TICK_US": "0"]).loopTickUs == 0)
        #expect(try Self.load(["LOOP_TICK_US": "250"]).loopTickUs == 250)
        for bad in ["1001", "-1", "0.5ms", "fast"] {
            let error = Self.error(["LOOP_TICK_US": bad])
            #expect(error?.variable == "LOOP_TICK_US")
            #expect(error?.message.contains("0 to wake for every event") == true, "\(bad)")
        }
    }

    // MARK: - Operations port

    @Test func metricsPort_unsetByDefault_soEverythingStaysOnPORT() throws {
        let settings = try Self.load([:])
        #expect(settings.metricsPort == nil)
        #expect(settings.metricsHost == "0.0.0.0")
    }

    @Test func metricsPort_andHost_areRead() throws {
        let settings = try Self.load(["METRICS_PORT": "9090", "METRICS_HOST": "127.0.0.1"])
        #expect(settings.metricsPort == 9090)
        #expect(settings.metricsHost == "127.0.0.1")
        #expect(try Self.load(["METRICS_PORT": "9090"]).metricsHost == "0.0.0.0")
        #expect(try Self.load(["METRICS_PORT": "9090", "METRICS_HOST": "::1"]).metricsHost == "::1")
        #expect(try Self.load(["METRICS_PORT": "5051", "PORT": "0"]).metricsPort == 5051)
    }

    @Test(arguments: ["0", "65536", "nine", "-1", "90.5"])
    func metricsPort_outOfRange_namesTheVariableTheValueAndTheFix(text: String) throws {
        let error = try #require(Self.error(["METRICS_PORT": text]))
        #expect(error.variable == "METRICS_PORT")
        #expect(error.message.contains("'\(text)'"))
        #expect(error.message.contains("1 to 65535"))
    }

    @Test func metricsPort_equalToPORT_isRefused() throws {
        let defaultPort = try #require(Self.error(["METRICS_PORT": "5050"]))
        #expect(defaultPort.variable == "METRICS_PORT")
        #expect(defaultPort.message.contains("same as PORT"))
        #expect(Self.error(["METRICS_PORT": "8080", "PORT": "8080"])?.variable == "METRICS_PORT")
    }

    @Test func metricsHost_mustBeAnIPAddress_andNeedsAPort() throws {
        let error = try #require(Self.error(["METRICS_PORT": "9090", "METRICS_HOST": "metrics.internal"]))
        #expect(error.variable == "METRICS_HOST")
        #expect(error.message.contains("'metrics.internal'") && error.message.contains("127.0.0.1"))
        #expect(Self.error(["METRICS_HOST": "127.0.0.1"])?.variable == "METRICS_PORT")
    }
}
