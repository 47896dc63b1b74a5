import JSON

/// The Realtime service, as `ServerEventError` names it.
public enum RealtimeService: ServerEventSource {
    public static let name = "Realtime"
}

/// Why a message from the Realtime server could not be decoded into a `RealtimeServerEvent`.
public typealias RealtimeEventError = ServerEventError<RealtimeService>
