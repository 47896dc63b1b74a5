import JSON

/// The GPT-Live service, as `ServerEventError` names it.
public enum LiveService: ServerEventSource {
    public static let name = "GPT-Live"
}

/// Why a message from a GPT-Live server could not be decoded into a `LiveServerEvent`.
public typealias LiveEventError = ServerEventError<LiveService>
