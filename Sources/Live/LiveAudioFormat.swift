import JSON

/// The audio encoding of a GPT-Live primary WebSocket, the same both ways (GPT-LIVE.md §3
/// `audio.format`; SDK `types/live/audio_format.py`): `{"type":"audio/pcmu","rate":8000}` and
/// its siblings. Immutable after `session.start`.
public enum LiveAudioFormat: Equatable, Sendable {
    /// G.711 μ-law at 8 kHz: Twilio's payloads as they are.
    case pcmu
    /// G.711 A-law at 8 kHz.
    case pcma
    /// Mono PCM16 little-endian at 16 kHz.
    case pcm16000
    /// Mono PCM16 little-endian at 24 kHz.
    case pcm24000

    /// The `type` member: `audio/pcmu`, `audio/pcma` or `audio/pcm`.
    public var type: String {
        switch self {
        case .pcmu: return "audio/pcmu"
        case .pcma: return "audio/pcma"
        case .pcm16000, .pcm24000: return "audio/pcm"
        }
    }

    /// The `rate` member, in hertz.
    public var rate: Int {
        switch self {
        case .pcmu, .pcma: return 8_000
        case .pcm16000: return 16_000
        case .pcm24000: return 24_000
        }
    }

    /// Bytes of audio per millisecond: 8 for G.711, 32 at 16 kHz, 48 at 24 kHz.
    public var bytesPerMillisecond: Int {
        switch self {
        case .pcmu, .pcma: return 8
        case .pcm16000: return 32
        case .pcm24000: return 48
        }
    }

    /// The format object, `{"type":…,"rate":…}`.
    public var json: JSON {
        ["type": .string(type), "rate": .number(Double(rate))]
    }

    /// The format a `{"type":…,"rate":…}` object names; nil for anything else, including a known
    /// type at a rate the service does not offer (the SDK allows only 16000 and 24000 for PCM, and
    /// G.711 is 8000).
    public init?(json: JSON) {
        guard let type = json["type"]?.stringValue, let rate = json["rate"]?.intValue else { return nil }
        switch (type, rate) {
        case ("audio/pcmu", 8_000): self = .pcmu
        case ("audio/pcma", 8_000): self = .pcma
        case ("audio/pcm", 16_000): self = .pcm16000
        case ("audio/pcm", 24_000): self = .pcm24000
        default: return nil
        }
    }
}
