import Config
import Testing

/// `TWILIO_ACCOUNT_SID`, the API key pair, `TWILIO_API_BASE`, `BRIDGE_API_KEY`: which credentials
/// the REST API gets, and errors naming the variable.
@Suite struct OutboundSettingsTests {
    static let account = "AC" + String(repeating: "1", count: 32)

    static func load(_ variables: [String: String]) throws -> OutboundSettings {
        try OutboundSettings.load(from: Environment(process: variables))
    }

    @Test func nothingSet_isInboundOnly() throws {
        let settings = try Self.load([:])
        #expect(settings.accountSid == nil && settings.bridgeAPIKey == nil && settings.basicAuthorization == nil)
        #expect(settings.apiBase == "https://api.twilio.com")
        #expect(throws: ConfigError.self) { try settings.requireCredentials(because: "x") }
    }

    @Test func authToken_isTheBasicPasswordOfTheAccount() throws {
        let settings = try Self.load(["TWILIO_ACCOUNT_SID": Self.account, "TWILIO_AUTH_TOKEN": "tok"])
        #expect(settings.username == Self.account && settings.password == "tok")
        // base64("AC111…:tok")
        #expect(settings.basicAuthorization == "Basic QUMxMTExMTExMTExMTExMTExMTExMTExMTExMTExMTExMTp0b2s=")
        #expect(settings.callsURL == "https://api.twilio.com/2010-04-01/Accounts/\(Self.account)/Calls.json")
    }

    @Test func apiKeyPair_winsOverTheAuthToken() throws {
        let settings = try Self.load(["TWILIO_ACCOUNT_SID": Self.account, "TWILIO_AUTH_TOKEN": "tok",
                                      "TWILIO_API_KEY_SID": "SKabc", "TWILIO_API_KEY_SECRET": "sec"])
        #expect(settings.username == "SKabc" && settings.password == "sec")
        #expect(settings.secrets.contains("sec"))
    }

    @Test(arguments: [("TWILIO_API_KEY_SID", "TWILIO_API_KEY_SECRET"), ("TWILIO_API_KEY_SECRET", "TWILIO_API_KEY_SID")])
    func halfAKeyPair_namesTheMissingHalf(given: String, missing: String) {
        let error = #expect(throws: ConfigError.self) { try Self.load(["TWILIO_ACCOUNT_SID": Self.account, given: "x"]) }
        #expect(error?.variable == missing)
    }

    @Test func bridgeAPIKey_needsCredentials() {
        let error = #expect(throws: ConfigError.self) { try Self.load(["BRIDGE_API_KEY": "k"]) }
        #expect(error?.variable == "TWILIO_ACCOUNT_SID")
        let noToken = #expect(throws: ConfigError.self) { try Self.load(["BRIDGE_API_KEY": "k", "TWILIO_ACCOUNT_SID": Self.account]) }
        #expect(noToken?.variable == "TWILIO_AUTH_TOKEN")
    }

    @Test func accountSid_mustBeAnAccount() {
        let error = #expect(throws: ConfigError.self) { try Self.load(["TWILIO_ACCOUNT_SID": "SK123"]) }
        #expect(error?.variable == "TWILIO_ACCOUNT_SID")
    }

    @Test(arguments: [("http://127.0.0.1:8080/", "http://127.0.0.1:8080"), ("https://api.example.com", "https://api.example.com")])
    func apiBase_loopbackOrHTTPS(text: String, expected: String) throws {
        #expect(try Self.load(["TWILIO_API_BASE": text]).apiBase == expected)
    }

    @Test(arguments: ["http://api.twilio.com", "ftp://x", "api.twilio.com"])
    func apiBase_refusesClearTextToARemoteHostAndJunk(text: String) {
        let error = #expect(throws: ConfigError.self) { try Self.load(["TWILIO_API_BASE": text]) }
        #expect(error?.variable == "TWILIO_API_BASE")
    }
}
