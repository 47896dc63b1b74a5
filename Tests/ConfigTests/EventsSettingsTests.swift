import Config
import Testing

/// `EVENTS_URL`, `EVENTS_SECRET` (`whsec_<base64>`), `EVENTS_SPOOL_DIR`: errors name the variable.
@Suite struct EventsSettingsTests {
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

    static func load(_ variables: [String: String]) throws -> EventsSettings {
        try EventsSettings.load(from: Environment(process: variables))
    }

    @Test func nothingSet_meansNoEvents() throws {
        let settings = try Self.load([:])
        #expect(settings.url == nil && settings.spoolDirectory == "spool/events" && settings.retryBaseMs == 1_000)
    }

    @Test func urlAndSecret_giveTheDecodedKey_andTheSecretIsRedacted() throws {
        let settings = try Self.load(["EVENTS_URL": "https://hooks.example.com/in/", "EVENTS_SECRET": Self.secret,
                                      "EVENTS_SPOOL_DIR": "/var/spool/vb"])
        #expect(settings.url == "https://hooks.example.com/in")
        #expect(settings.key.count == 24 && settings.spoolDirectory == "/var/spool/vb")
        #expect(settings.secrets == [Self.secret])
    }

    @Test func unpaddedAndPaddedSecrets_bothDecode() {
        #expect(EventsSettings.parseSecret("whsec_" + String(repeating: "A", count: 43))?.count == 32)
        #expect(EventsSettings.parseSecret("whsec_" + String(repeating: "A", count: 43) + "=")?.count == 32)
    }

    @Test(arguments: ["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_", "whsec_not*base64!", "whsec_c2hvcnQ="])
    func aSecretNotInTheStandardForm_isRefusedNamingTheVariable(_ secret: String) {
        #expect(throws: ConfigError.self) { try Self.load(["EVENTS_URL": "https://h.example.com", "EVENTS_SECRET": secret]) }
        do {
            _ = try Self.load(["EVENTS_URL": "https://h.example.com", "EVENTS_SECRET": secret])
        } catch let error as ConfigError {
            #expect(error.variable == "EVENTS_SECRET" && error.message.contains("whsec_"))
        } catch {
            Issue.record("\(error)")
        }
    }

    @Test func aMissingSecret_withAURL_isAnError() {
        #expect(throws: ConfigError(variable: "EVENTS_SECRET", message: "EVENTS_URL is set but EVENTS_SECRET is not — set it to "
            + "whsec_ followed by 24 to 64 random bytes in base64 (for example: echo whsec_$(openssl rand -base64 32))")) {
            try Self.load(["EVENTS_URL": "https://h.example.com"])
        }
    }

    @Test func plainHTTP_isAcceptedOnlyForLoopback() throws {
        #expect(try Self.load(["EVENTS_URL": "http://127.0.0.1:9000/hook", "EVENTS_SECRET": Self.secret]).url == "http://127.0.0.1:9000/hook")
        #expect(throws: ConfigError.self) { try Self.load(["EVENTS_URL": "http://hooks.example.com", "EVENTS_SECRET": Self.secret]) }
    }
}
