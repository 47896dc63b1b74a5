/// Starting a GPT-Live session: `session.start`, then `session.started` with the resolved
/// session, whose `audio.format` says what the service will send and expects (GPT-LIVE.md §2-§3).
///
/// The bridge asks for μ-law at 8 kHz, so Twilio's payloads pass through untouched. A service
/// that refuses it (several Azure pages say "PCM16 24 kHz only") gets a second `session.start`
/// on the same socket asking for PCM16 at 24 kHz, which the bridge resamples; a service that
/// refuses that too, or answers with a format the bridge cannot carry, fails the target over.
/// Pure state: the session sends what it returns.
public struct LiveStart: Sendable {
    /// What to do next.
    public enum Action: Equatable, Sendable {
        /// Send this `session.start` and wait.
        case send(String)
        /// The session runs, in `format`; `session` is the resolved session (for the log).
        case started(format: LiveAudioFormat)
        /// This target cannot carry the call.
        case failOver(reason: String)
    }

    private var config: LiveSessionConfig
    /// The `event_id` of the `session.start` awaiting its answer.
    public private(set) var pendingEventId: String?
    private var attempts = 0
    /// Formats refused so far, for the log.
    public private(set) var refusedFormats: [LiveAudioFormat] = []
    /// Whether `session.started` came.
    public private(set) var isStarted = false

    /// A start of `config` (its `format` is the first asked for).
    public init(config: LiveSessionConfig) {
        self.config = config
    }

    /// The first `session.start`.
    public mutating func start() -> Action {
        send()
    }

    /// Feeds a server event; nil when it is not about the start.
    public mutating func received(_ event: LiveServerEvent) -> Action? {
        guard !isStarted, pendingEventId != nil else { return nil }
        switch event {
        case .sessionStarted(_, let format):
            isStarted = true
            pendingEventId = nil
            // A service that does not echo the format uses the one asked for.
            let resolved = format ?? config.format ?? .pcm24000
            guard resolved != .pcma else {
                return .failOver(reason: "the service chose audio/pcma, which the bridge does not carry")
            }
            return .started(format: resolved)
        case .error(_, let code, let message, let param, let clientEventId):
            guard clientEventId == nil || clientEventId == pendingEventId else { return nil }
            pendingEventId = nil
            let aboutFormat = (param ?? "").contains("audio") || message.lowercased().contains("format")
                || message.contains("pcmu") || code == "invalid_audio_format"
            if aboutFormat, let current = config.format, current != .pcm24000 {
                refusedFormats.append(current)
                config.format = .pcm24000
                return send()
            }
            return .failOver(reason: "session.start refused: \(code ?? "error") \(message)")
        case .sessionClosed(let reason, _):
            pendingEventId = nil
            return .failOver(reason: "the service closed the session before it started (\(reason ?? "no reason"))")
        default:
            return nil
        }
    }

    private mutating func send() -> Action {
        attempts += 1
        let eventId = "session_start_\(attempts)"
        pendingEventId = eventId
        return .send(LiveClientEvent.sessionStart(config, eventId: eventId))
    }
}
