import Base64

/// Call events (`EVENTS_URL`, `EVENTS_SECRET`, `EVENTS_SPOOL_DIR`, `EVENTS_RETRY_BASE_MS`): where
/// signed `call.started`/`call.ended` events go, the key they are signed with, and where they wait
/// on disk until delivered. Nothing is required: without `EVENTS_URL` no event is sent.
public struct EventsSettings: Sendable, Equatable {
    /// The receiver (`EVENTS_URL`): `https://`, or `http://` to a loopback host; nil turns events off.
    public var url: String?
    /// The HMAC key: the base64-decoded bytes of `EVENTS_SECRET` (`whsec_<base64>`).
    public var key: [UInt8]
    /// One file per event not yet delivered (`EVENTS_SPOOL_DIR`, default `spool/events`).
    public var spoolDirectory: String
    /// The first retry's upper bound, in milliseconds (`EVENTS_RETRY_BASE_MS`, default 1000);
    /// each retry doubles it, up to 10 minutes.
    public var retryBaseMs: Int64
    /// Values that must never reach a log (`EVENTS_SECRET`).
    public var secrets: [String] = []

    /// Creates settings.
    public init(url: String? = nil, key: [UInt8] = [], spoolDirectory: String = "spool/events", retryBaseMs: Int64 = 1_000) {
        self.url = url
        self.key = key
        self.spoolDirectory = spoolDirectory
        self.retryBaseMs = retryBaseMs
    }

    /// Standard Webhooks: "the secret key SHOULD be between 24 bytes (192 bits) and 64 bytes".
    public static let keyBytes = 24...64

    /// Reads the variables; an invalid URL, or a missing or malformed secret while `EVENTS_URL`
    /// is set, throws an error naming the variable and the expected form.
    public static func load(from environment: Environment) throws -> EventsSettings {
        func value(_ name: String) -> String? {
            guard let raw = environment[name]?.trimmingWhitespace(), !raw.isEmpty else { return nil }
            return raw
        }
        var settings = EventsSettings()
        if let dir = value("EVENTS_SPOOL_DIR") { settings.spoolDirectory = dir }
        if let base = value("EVENTS_RETRY_BASE_MS") {
            settings.retryBaseMs = Int64(try Settings.parseMilliseconds(base, variable: "EVENTS_RETRY_BASE_MS", range: 10...600_000))
        }
        guard let url = value("EVENTS_URL") else { return settings }
        settings.url = try Settings.parseAPIBaseURL(url, variable: "EVENTS_URL", example: "https://hooks.example.com/voice-bridge")
        guard let secret = value("EVENTS_SECRET") else {
            throw ConfigError(variable: "EVENTS_SECRET", message: "EVENTS_URL is set but EVENTS_SECRET is not — set it to "
                + "whsec_ followed by 24 to 64 random bytes in base64 (for example: echo whsec_$(openssl rand -base64 32))")
        }
        guard let key = parseSecret(secret) else {
            throw ConfigError(variable: "EVENTS_SECRET", message: "expected whsec_ followed by base64 of 24 to 64 bytes "
                + "(Standard Webhooks form; for example: echo whsec_$(openssl rand -base64 32))")
        }
        settings.key = key
        settings.secrets = [secret]
        return settings
    }

    /// The key bytes of `whsec_<base64>` (padding optional), or nil unless that form and
    /// `keyBytes` long.
    public static func parseSecret(_ text: String) -> [UInt8]? {
        guard text.hasPrefix("whsec_") else { return nil }
        var encoded = String(text.dropFirst(6))
        while encoded.utf8.count % 4 != 0 { encoded += "=" }
        guard let key = Base64.decode(encoded), keyBytes.contains(key.count) else { return nil }
        return key
    }
}
