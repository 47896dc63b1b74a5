import Base64
import Foundation

/// Outbound calls: Twilio's REST API credentials, the default caller ID, and the key that
/// protects `POST /calls` (`TWILIO_ACCOUNT_SID`, `TWILIO_API_KEY_SID`/`TWILIO_API_KEY_SECRET`,
/// `TWILIO_PHONE_NUMBER`, `TWILIO_API_BASE`, `BRIDGE_API_KEY`).
public struct OutboundSettings: Sendable, Equatable {
    /// The account the calls are placed on (`AC…`); nil when outbound calls are not configured.
    public var accountSid: String?
    /// HTTP Basic user for the REST API: the API key SID when set, else the account SID.
    public var username: String?
    /// HTTP Basic password: the API key secret when set, else `TWILIO_AUTH_TOKEN`.
    public var password: String?
    /// The default `From` (`TWILIO_PHONE_NUMBER`), a Twilio number of the account in E.164.
    public var defaultFrom: String?
    /// Where Twilio's REST API lives (`TWILIO_API_BASE`, default https://api.twilio.com), without a trailing slash.
    public var apiBase: String
    /// The bearer token `POST /calls` requires; nil turns the endpoint off (404).
    public var bridgeAPIKey: String?

    /// Creates settings.
    public init(accountSid: String? = nil, username: String? = nil, password: String? = nil, defaultFrom: String? = nil,
                apiBase: String = "https://api.twilio.com", bridgeAPIKey: String? = nil) {
        self.accountSid = accountSid
        self.username = username
        self.password = password
        self.defaultFrom = defaultFrom
        self.apiBase = apiBase
        self.bridgeAPIKey = bridgeAPIKey
    }

    /// Values that must never reach a log.
    public var secrets: [String] { [password, bridgeAPIKey].compactMap { $0 } }

    /// The `Authorization: Basic` value for the REST API, when credentials are set.
    public var basicAuthorization: String? {
        guard let username, let password else { return nil }
        return "Basic " + Base64.encode(Array("\(username):\(password)".utf8))
    }

    /// The Calls resource of the account: `{apiBase}/2010-04-01/Accounts/{sid}/Calls.json`.
    public var callsURL: String? {
        accountSid.map { "\(apiBase)/2010-04-01/Accounts/\($0)/Calls.json" }
    }

    /// Reads the variables. Nothing is required here (inbound-only bridges set none of them);
    /// `requireCredentials(because:)` checks what placing a call needs. Contradictions throw:
    /// half an API key pair, a base URL that is not http(s), `BRIDGE_API_KEY` without credentials.
    public static func load(from environment: Environment) throws -> OutboundSettings {
        func value(_ name: String) -> String? {
            guard let raw = environment[name] else { return nil }
            let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            return trimmed.isEmpty ? nil : trimmed
        }
        var settings = OutboundSettings()
        settings.accountSid = value("TWILIO_ACCOUNT_SID")
        settings.defaultFrom = value("TWILIO_PHONE_NUMBER")
        settings.bridgeAPIKey = value("BRIDGE_API_KEY")
        if let base = value("TWILIO_API_BASE") {
            guard base.hasPrefix("https://") || base.hasPrefix("http://") else {
                throw ConfigError(variable: "TWILIO_API_BASE",
                                  message: "TWILIO_API_BASE '\(base)' is not an http(s) URL — unset it to use https://api.twilio.com")
            }
            let host = base.dropFirst(base.hasPrefix("https://") ? 8 : 7).prefix(while: { $0 != "/" && $0 != ":" && $0 != "]" })
            if base.hasPrefix("http://"), !["127.0.0.1", "localhost", "[::1"].contains(String(host)) {
                throw ConfigError(variable: "TWILIO_API_BASE",
                                  message: "TWILIO_API_BASE '\(base)' would send the credentials in clear text; use https:// (http:// is for a loopback mock only)")
            }
            settings.apiBase = String(base.reversed().drop(while: { $0 == "/" }).reversed())
        }
        if let sid = settings.accountSid, !sid.hasPrefix("AC") {
            throw ConfigError(variable: "TWILIO_ACCOUNT_SID",
                              message: "TWILIO_ACCOUNT_SID '\(sid)' does not start with AC — copy the Account SID from the Twilio console (Account info)")
        }
        let keySid = value("TWILIO_API_KEY_SID"), keySecret = value("TWILIO_API_KEY_SECRET")
        switch (keySid, keySecret) {
        case let (sid?, secret?):
            settings.username = sid
            settings.password = secret
        case (nil, nil):
            settings.username = settings.accountSid
            settings.password = value("TWILIO_AUTH_TOKEN")
        case (nil, _?):
            throw ConfigError(variable: "TWILIO_API_KEY_SID",
                              message: "TWILIO_API_KEY_SECRET is set but TWILIO_API_KEY_SID is not — set both (an API key's SK… SID and its secret), or neither to use TWILIO_AUTH_TOKEN")
        case (_?, nil):
            throw ConfigError(variable: "TWILIO_API_KEY_SECRET",
                              message: "TWILIO_API_KEY_SID is set but TWILIO_API_KEY_SECRET is not — set both, or neither to use TWILIO_AUTH_TOKEN")
        }
        if settings.bridgeAPIKey != nil {
            try settings.requireCredentials(because: "BRIDGE_API_KEY is set (POST /calls is on)")
        }
        return settings
    }

    /// Throws the first missing piece a REST call needs, naming the variable.
    public func requireCredentials(because reason: String) throws {
        guard accountSid != nil else {
            throw ConfigError(variable: "TWILIO_ACCOUNT_SID",
                              message: "\(reason) but TWILIO_ACCOUNT_SID is not set — copy the Account SID (AC…) from the Twilio console")
        }
        guard password != nil else {
            throw ConfigError(variable: "TWILIO_AUTH_TOKEN",
                              message: "\(reason) but neither TWILIO_AUTH_TOKEN nor TWILIO_API_KEY_SID/TWILIO_API_KEY_SECRET is set — set one of them")
        }
    }
}
