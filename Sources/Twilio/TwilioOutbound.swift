import JSON

/// The messages the bridge sends to Twilio on a Media Stream, as JSON text (PROTOCOLS.md §1).
///
/// `media` and `mark` are sent for every chunk of assistant audio, so they are built by
/// concatenation with one allocation (`JSON.joined`), not through the JSON tree. Identifiers are
/// quoted (`JSON.quoted`) when they need escaping, which ids never do; the base64 payload needs none.
public enum TwilioOutbound {
    /// `{"event":"media","streamSid":"…","media":{"payload":"…"}}`: audio to play, queued in order.
    ///
    /// - Parameter payload: base64 μ-law (any length, no header) — passed through unescaped, so it
    ///   must be base64 (`Base64.isValid`), e.g. a Realtime `delta` as received.
    public static func media(streamSid: String, payload: String) -> String {
        if JSON.needsEscaping(streamSid) {
            return JSON.joined(#"{"event":"media","streamSid":"#, JSON.quoted(streamSid),
                               #","media":{"payload":""#, payload, #""}}"#)
        }
        return JSON.joined(#"{"event":"media","streamSid":""#, streamSid, #"","media":{"payload":""#, payload, #""}}"#)
    }

    /// `media` as a splice, for a `streamSid` that needs no escaping (`JSON.needsEscaping` false,
    /// as Twilio's `MZ…` ids never do): framed straight into the socket's output, no `String`.
    public static func media(plainStreamSid streamSid: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer) -> JSONSplice {
        JSONSplice(#"{"event":"media","streamSid":""#, streamSid, #"","media":{"payload":""#, payload, #""}}"#)
    }

    /// `mark` as a splice, for a `streamSid` and a `name` that need no escaping.
    public static func mark(plainStreamSid streamSid: UnsafeRawBufferPointer, plainName name: UnsafeRawBufferPointer) -> JSONSplice {
        JSONSplice(#"{"event":"mark","streamSid":""#, streamSid, #"","mark":{"name":""#, name, #""}}"#)
    }

    /// `mark` as a splice whose name is given in two parts (an item id, then `:<ms>`), so the
    /// name needs no `String` either. Both parts must need no escaping.
    public static func mark(plainStreamSid streamSid: UnsafeRawBufferPointer, plainName name: UnsafeRawBufferPointer,
                            nameSuffix suffix: UnsafeRawBufferPointer) -> JSONSplice {
        JSONSplice(#"{"event":"mark","streamSid":""#, streamSid, #"","mark":{"name":""#, name, "", suffix, #""}}"#)
    }

    /// `{"event":"mark","streamSid":"…","mark":{"name":"…"}}`: Twilio echoes it once everything
    /// queued before it has been played — or flushed by `clear`.
    public static func mark(streamSid: String, name: String) -> String {
        if JSON.needsEscaping(streamSid) || JSON.needsEscaping(name) {
            return JSON.joined(#"{"event":"mark","streamSid":"#, JSON.quoted(streamSid),
                               #","mark":{"name":"#, JSON.quoted(name), "}}")
        }
        return JSON.joined(#"{"event":"mark","streamSid":""#, streamSid, #"","mark":{"name":""#, name, #""}}"#)
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
