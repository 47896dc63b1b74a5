import JSON

/// The messages the bridge sends to Twilio on a Media Stream, as JSON text (PROTOCOLS.md §1).
///
/// Built by concatenation: `media` is sent for every chunk of assistant audio, so it skips the
/// JSON tree. Identifiers go through `JSON.quoted`; the base64 payload needs no escaping.
public enum TwilioOutbound {
    /// `{"event":"media","streamSid":"…","media":{"payload":"…"}}`: audio to play, queued in order.
    ///
    /// - Parameter payload: base64 μ-law (any length, no header) — passed through unescaped, so it
    ///   must be base64 (`JSON.isBase64`), e.g. a Realtime `delta` as received.
    public static func media(streamSid: String, payload: String) -> String {
        var text = #"{"event":"media","streamSid":"#
        text.reserveCapacity(text.utf8.count + streamSid.utf8.count + payload.utf8.count + 32)
        JSON.appendQuoted(streamSid, to: &text)
        text += #","media":{"payload":""#
        text += payload
        text += #""}}"#
        return text
    }

    /// `{"event":"mark","streamSid":"…","mark":{"name":"…"}}`: Twilio echoes it once everything
    /// queued before it has been played — or flushed by `clear`.
    public static func mark(streamSid: String, name: String) -> String {
        var text = #"{"event":"mark","streamSid":"#
        JSON.appendQuoted(streamSid, to: &text)
        text += #","mark":{"name":"#
        JSON.appendQuoted(name, to: &text)
        text += "}}"
        return text
    }

    /// `{"event":"clear","streamSid":"…"}`: drops all queued audio and makes Twilio return the
    /// pending marks (barge-in).
    public static func clear(streamSid: String) -> String {
        var text = #"{"event":"clear","streamSid":"#
        JSON.appendQuoted(streamSid, to: &text)
        text += "}"
        return text
    }
}
