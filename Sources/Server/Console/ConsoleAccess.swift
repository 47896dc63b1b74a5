import Base64
import HTTP

/// Who may open the console (`GET /console`, `/console/events`).
///
/// On by default only in development mode (the local provider, or Twilio signatures off): such
/// a bridge already takes calls from anyone. Otherwise off unless `CONSOLE_PASSWORD` is set;
/// with a password, every console request needs it (HTTP Basic, any user name), in development
/// mode too.
public enum ConsoleAccess: Equatable, Sendable {
    /// Not served: its paths answer 404.
    case off
    /// Served to anyone who reaches the port (development mode, no password).
    case open
    /// Served to requests carrying the password.
    case password(String)

    /// The access for `CONSOLE_PASSWORD` (nil: unset), in development mode or not; `disabled`
    /// is `CONSOLE=off`.
    public static func decide(password: String?, developmentMode: Bool, disabled: Bool) -> ConsoleAccess {
        if disabled { return .off }
        if let password, !password.isEmpty { return .password(password) }
        return developmentMode ? .open : .off
    }

    /// Whether the console is served at all.
    public var isOn: Bool { self != .off }

    /// nil when `request` may see the console; else the answer: 404 when off, 401 with a Basic
    /// challenge without the right password.
    func refusal(_ request: HTTPRequest) -> HTTPResponse? {
        switch self {
        case .off:
            return .text(404, "not found\n")
        case .open:
            return nil
        case .password(let password):
            if Self.basicPasswordMatches(request.head.headers["Authorization"], password: password) { return nil }
            var response = HTTPResponse.text(401, "the console needs its password (CONSOLE_PASSWORD)\n")
            response.headers.add("WWW-Authenticate", "Basic realm=\"voice-bridge console\", charset=\"UTF-8\"")
            return response
        }
    }

    /// Whether `header` is `Basic base64(user:password)` with this password (any user),
    /// compared in constant time: the time taken does not tell how much of it was right.
    static func basicPasswordMatches(_ header: String?, password: String) -> Bool {
        guard let header, header.utf8.count > 6, header.prefix(6).lowercased() == "basic " else { return false }
        guard let decoded = Base64.decode(String(header.dropFirst(6).filter { $0 != " " })),
              let colon = decoded.firstIndex(of: UInt8(ascii: ":")) else { return false }
        return secretMatches(Array(decoded[(colon + 1)...]), Array(password.utf8))
    }
}
