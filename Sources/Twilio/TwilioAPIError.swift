import JSON

/// Why Twilio's REST API placed no call: Twilio's own error (`code`, `message`, `more_info`),
/// or a transport failure, with what a person should do about it.
public struct TwilioAPIError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The HTTP status, when one arrived.
    public let status: Int?
    /// Twilio's error code (21211, 21219, 20003, …), when the body carried one.
    public let code: Int?
    /// Twilio's message, or the transport failure.
    public let message: String
    /// Twilio's `more_info` URL (https://www.twilio.com/docs/errors/CODE).
    public let moreInfo: String?

    /// Creates an error.
    public init(status: Int?, code: Int?, message: String, moreInfo: String?) {
        self.status = status
        self.code = code
        self.message = message
        self.moreInfo = moreInfo
    }

    /// Reads Twilio's error body (`{"code":21211,"message":"…","more_info":"…","status":400}`);
    /// a body that is not one still gives an error with the status and the body's start.
    public init(status: Int, body: [UInt8]) {
        let json = try? JSON.parse(body)
        let code = json?["code"]?.intValue
        let message = json?["message"]?.stringValue
        self.init(status: status, code: code,
                  message: message ?? "HTTP \(status): " + String(String(decoding: body.prefix(300), as: UTF8.self)),
                  moreInfo: json?["more_info"]?.stringValue ?? code.map { "https://www.twilio.com/docs/errors/\($0)" })
    }

    /// What to do, for the errors people meet first; nil for the others (their `more_info` says).
    public var hint: String? {
        switch code {
        case 21211: return "the To number is not a valid phone number; write it in E.164, e.g. +46701234567"
        case 21219: return "trial accounts may only call verified numbers; verify this number in the Twilio console (Phone Numbers → Verified Caller IDs) or upgrade the account"
        case 20003: return "Twilio refused the credentials; check TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (or TWILIO_API_KEY_SID/TWILIO_API_KEY_SECRET)"
        case 21212, 21210: return "the From number is not a Twilio number of this account; set TWILIO_PHONE_NUMBER or pass another from"
        case 21215: return "the account's geographic permissions forbid this destination; enable it in Voice → Settings → Geo permissions"
        case 20429: return "Twilio is rate-limiting this account; retry later"
        default:
            guard code == nil, let status else { return nil }
            if status == 401 { return "check TWILIO_ACCOUNT_SID and the credentials" }
            if status == 404 { return "check TWILIO_ACCOUNT_SID and TWILIO_API_BASE" }
            return nil
        }
    }

    /// One line: code, message, what to do, and the documentation URL.
    public var description: String {
        var text = code.map { "Twilio error \($0): " } ?? (status.map { "Twilio API HTTP \($0): " } ?? "Twilio API unreachable: ")
        text += message
        if let hint { text += " — " + hint }
        if let moreInfo { text += " (" + moreInfo + ")" }
        return text
    }
}
