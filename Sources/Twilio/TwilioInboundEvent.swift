import Base64
import JSON

/// One message Twilio sends on a bidirectional Media Stream (PROTOCOLS.md §1).
///
/// `sequenceNumber`, `media.chunk` and `media.timestamp` arrive as JSON strings holding integers;
/// `decode` accepts them as strings or numbers alike.
public enum TwilioInboundEvent: Equatable, Sendable {
    /// The socket is up; no `streamSid` yet.
    case connected(protocol: String?, version: String?)
    /// The stream's metadata; comes exactly once, before any media.
    case start(TwilioStart, sequenceNumber: Int?)
    /// A chunk of caller audio.
    case media(TwilioMedia)
    /// The caller pressed a key.
    case dtmf(digit: String, track: String?, sequenceNumber: Int?)
    /// A mark the bridge sent came back: audio before it was played, or flushed by `clear`.
    case mark(name: String, sequenceNumber: Int?)
    /// The stream ended (caller hung up, or the call moved on).
    case stop(callSid: String?, sequenceNumber: Int?)
    /// An event this bridge does not know; the session may log and ignore it.
    case unknown(event: String)
}

/// The `start` event's metadata: which call and stream this WebSocket carries, the audio format,
/// and the `<Parameter>`s the TwiML passed along (PROTOCOLS.md §1).
public struct TwilioStart: Equatable, Sendable {
    /// The stream's id (`MZ…`); every outbound message must carry it (Twilio error 31951 otherwise).
    public var streamSid: String
    /// The account (`AC…`); empty when Twilio left it out.
    public var accountSid: String
    /// The call (`CA…`), the key that joins this stream to the webhook that created it.
    public var callSid: String
    /// The tracks streamed, e.g. `["inbound"]`; empty when absent.
    public var tracks: [String]
    /// `mediaFormat.encoding`, `audio/x-mulaw` for phone calls (the default when absent).
    public var encoding: String
    /// `mediaFormat.sampleRate` in Hz (8000 when absent).
    public var sampleRate: Int
    /// `mediaFormat.channels` (1 when absent).
    public var channels: Int
    /// The TwiML `<Parameter name value/>` pairs. A non-string value is kept as its JSON text.
    public var customParameters: [String: String]

    /// Metadata with the given fields; the defaults are what Twilio sends for a phone call.
    public init(
        streamSid: String,
        accountSid: String = "",
        callSid: String,
        tracks: [String] = ["inbound"],
        encoding: String = "audio/x-mulaw",
        sampleRate: Int = 8000,
        channels: Int = 1,
        customParameters: [String: String] = [:]
    ) {
        self.streamSid = streamSid
        self.accountSid = accountSid
        self.callSid = callSid
        self.tracks = tracks
        self.encoding = encoding
        self.sampleRate = sampleRate
        self.channels = channels
        self.customParameters = customParameters
    }
}

/// One `media` event: a chunk of caller audio (PROTOCOLS.md §1).
public struct TwilioMedia: Equatable, Sendable {
    /// The top-level `streamSid`.
    public var streamSid: String?
    /// The top-level `sequenceNumber` (counts from 1 over all events of the stream).
    public var sequenceNumber: Int?
    /// `media.track`, `inbound` for the caller.
    public var track: String?
    /// `media.chunk`, counting media messages from 1.
    public var chunk: Int?
    /// `media.timestamp`: milliseconds since the stream began.
    public var timestamp: Int?
    /// `media.payload`: base64 μ-law exactly as received, never decoded here, so it can be
    /// spliced into a Realtime `input_audio_buffer.append` untouched.
    public var payload: String

    /// A media event with the given fields.
    public init(
        streamSid: String? = nil,
        sequenceNumber: Int? = nil,
        track: String? = nil,
        chunk: Int? = nil,
        timestamp: Int? = nil,
        payload: String
    ) {
        self.streamSid = streamSid
        self.sequenceNumber = sequenceNumber
        self.track = track
        self.chunk = chunk
        self.timestamp = timestamp
        self.payload = payload
    }
}

extension TwilioInboundEvent: JSONEvent {
    /// Decodes one text frame from Twilio, given as UTF-8 bytes.
    ///
    /// - Throws: `TwilioEventError` naming what is wrong (not JSON, missing `event`, a `start`
    ///   without `streamSid`/`callSid`, a `media` without `payload` or with a non-base64 one, …).
    ///
    /// `media` and `mark` (one each per 20 ms of audio) take a fast path without the JSON tree
    /// (`decodeFrequent`); everything else, and anything unusual about those two, is parsed fully.
    public static func decode(_ text: UnsafeRawBufferPointer) throws(TwilioEventError) -> TwilioInboundEvent {
        if let event = decodeFrequent(text) { return event }
        let json: JSON
        do throws(JSONError) { json = try JSON.parse(text) } catch { throw TwilioEventError(.notJSON(error)) }
        return try decode(json: json)
    }

    /// `media` and `mark` events of the usual shape, decoded from a `JSONFlatObject` index: the
    /// same value `decode(json:)` gives for them. Nil for any other event and for anything that
    /// index declines or that would be an error (then the full path decodes it, or names the error).
    static func decodeFrequent(_ text: UnsafeRawBufferPointer) -> TwilioInboundEvent? {
        var object = JSONFlatObject()
        guard object.reindex(text, base64Key: "payload"), let event = object.member("event") else { return nil }
        if object.member(event, equals: "media") {
            guard let (media, payload) = checkedMedia(object) else { return nil }
            return .media(TwilioMedia(streamSid: object.string(object.member("streamSid")),
                                      sequenceNumber: integer(object.member("sequenceNumber"), object) ?? nil,
                                      track: object.string(object.member("track", in: media)),
                                      chunk: integer(object.member("chunk", in: media), object) ?? nil,
                                      timestamp: integer(object.member("timestamp", in: media), object) ?? nil,
                                      payload: String(decoding: object.bytes(of: payload), as: UTF8.self)))
        }
        if object.member(event, equals: "mark") {
            guard let name = checkedMarkName(object) else { return nil }
            return .mark(name: String(decoding: object.bytes(of: name), as: UTF8.self),
                         sequenceNumber: integer(object.member("sequenceNumber"), object) ?? nil)
        }
        return nil
    }

    /// What the call needs of the two per-frame events, over the received bytes (valid only as
    /// long as they are): a `media` event's base64 payload, a `mark` echo's name.
    public enum Frequent {
        /// `media.payload`, checked base64.
        case media(payload: UnsafeRawBufferPointer)
        /// `mark.name`.
        case mark(name: UnsafeRawBufferPointer)
    }

    /// The payload of a `media` event or the name of a `mark`, without a `String` or the fields
    /// the call does not use: exactly when `decode` would return `.media` or `.mark` by its fast
    /// path, with the same payload or name (checked against it in the tests). Nil otherwise:
    /// then `decode` takes the event, or names what is wrong with it.
    public static func frequent(_ text: UnsafeRawBufferPointer) -> Frequent? {
        var index = JSONFlatObject()
        return frequent(text, indexingInto: &index)
    }

    /// `frequent(_:)`, indexing the text into `object`, whose storage a caller that reads one
    /// event after another keeps (no allocation per event).
    public static func frequent(_ text: UnsafeRawBufferPointer, indexingInto object: inout JSONFlatObject) -> Frequent? {
        guard object.reindex(text, base64Key: "payload"), let event = object.member("event") else { return nil }
        if object.member(event, equals: "media") {
            guard let (_, payload) = checkedMedia(object) else { return nil }
            return .media(payload: object.bytes(of: payload))
        }
        if object.member(event, equals: "mark") {
            guard let name = checkedMarkName(object) else { return nil }
            return .mark(name: object.bytes(of: name))
        }
        return nil
    }

    /// A media event's `media` object and payload, when the fast path can decode all of it:
    /// a base64 payload (checked by the index: `base64Key: "payload"`), and integers (or null, or absent) where Twilio sends them.
    private static func checkedMedia(_ object: JSONFlatObject) -> (JSONFlatObject.Member, JSONFlatObject.Member)? {
        guard let media = object.member("media"), media.kind == .object,
              let payload = object.member("payload", in: media), payload.kind == .string,
              object.isBase64(payload),
              integer(object.member("sequenceNumber"), object) != nil,
              integer(object.member("chunk", in: media), object) != nil,
              integer(object.member("timestamp", in: media), object) != nil else { return nil }
        return (media, payload)
    }

    /// A mark event's name, when the fast path can decode all of it.
    private static func checkedMarkName(_ object: JSONFlatObject) -> JSONFlatObject.Member? {
        guard let mark = object.member("mark"), mark.kind == .object,
              let name = object.member("name", in: mark), name.kind == .string,
              integer(object.member("sequenceNumber"), object) != nil else { return nil }
        return name
    }

    /// What `Fields.integer` makes of a member: `.some(nil)` when absent or null, `.some(n)` for
    /// an integer or a string `Int` reads; nil (take the full path) for anything else.
    private static func integer(_ member: JSONFlatObject.Member?, _ object: JSONFlatObject) -> Int?? {
        guard let member else { return .some(nil) }
        switch member.kind {
        case .integer:
            return .some(object.integer(of: member))
        case .string:
            guard let value = object.integer(inString: member) else { return nil }
            return .some(value)
        case .literal:
            return object.isNull(member) ? .some(nil) : nil
        case .object:
            return nil
        }
    }

    /// Decodes an event that is already parsed.
    public static func decode(json: JSON) throws(TwilioEventError) -> TwilioInboundEvent {
        guard case .object = json else { throw TwilioEventError(.notAnObject) }
        guard let event = json["event"]?.stringValue else { throw TwilioEventError(.missingEvent) }
        let fields = Fields(event: event, json: json)
        switch event {
        case "media":
            return .media(try fields.media())
        case "connected":
            return .connected(protocol: json["protocol"]?.stringValue, version: json["version"]?.stringValue)
        case "start":
            return .start(try fields.start(), sequenceNumber: try fields.sequenceNumber())
        case "dtmf":
            guard let digit = json["dtmf"]?["digit"]?.stringValue else {
                throw TwilioEventError(.missingField(event: event, field: "dtmf.digit"))
            }
            // Twilio sends one key: 0-9, *, # (A-D on some lines). Anything else never reaches the model.
            guard digit.utf8.count == 1, let key = digit.utf8.first,
                  (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(key) || key == UInt8(ascii: "*") || key == UInt8(ascii: "#")
                    || (UInt8(ascii: "A")...UInt8(ascii: "D")).contains(key) else {
                throw TwilioEventError(.notADigit(prefix: String(digit.prefix(8))))
            }
            return .dtmf(digit: digit, track: json["dtmf"]?["track"]?.stringValue,
                         sequenceNumber: try fields.sequenceNumber())
        case "mark":
            guard let name = json["mark"]?["name"]?.stringValue else {
                throw TwilioEventError(.missingField(event: event, field: "mark.name"))
            }
            return .mark(name: name, sequenceNumber: try fields.sequenceNumber())
        case "stop":
            return .stop(callSid: json["stop"]?["callSid"]?.stringValue, sequenceNumber: try fields.sequenceNumber())
        default:
            return .unknown(event: event)
        }
    }
}

/// Field readers shared by the event kinds, so each error names the event and the field.
private struct Fields {
    let event: String
    let json: JSON

    func sequenceNumber() throws(TwilioEventError) -> Int? {
        try integer(json["sequenceNumber"], field: "sequenceNumber")
    }

    func media() throws(TwilioEventError) -> TwilioMedia {
        guard let media = json["media"], let payload = media["payload"]?.stringValue else {
            throw TwilioEventError(.missingField(event: event, field: "media.payload"))
        }
        guard Base64.isValid(payload) else {
            throw TwilioEventError(.payloadNotBase64(prefix: String(payload.prefix(16))))
        }
        return TwilioMedia(
            streamSid: json["streamSid"]?.stringValue,
            sequenceNumber: try sequenceNumber(),
            track: media["track"]?.stringValue,
            chunk: try integer(media["chunk"], field: "media.chunk"),
            timestamp: try integer(media["timestamp"], field: "media.timestamp"),
            payload: payload
        )
    }

    func start() throws(TwilioEventError) -> TwilioStart {
        guard let start = json["start"], case .object = start else {
            throw TwilioEventError(.missingField(event: event, field: "start"))
        }
        guard let streamSid = start["streamSid"]?.stringValue ?? json["streamSid"]?.stringValue else {
            throw TwilioEventError(.missingField(event: event, field: "streamSid"))
        }
        guard let callSid = start["callSid"]?.stringValue else {
            throw TwilioEventError(.missingField(event: event, field: "start.callSid"))
        }
        var parameters: [String: String] = [:]
        for (name, value) in start["customParameters"]?.objectValue ?? [:] {
            parameters[name] = value.stringValue ?? value.serialized()
        }
        let format = start["mediaFormat"]
        return TwilioStart(
            streamSid: streamSid,
            accountSid: start["accountSid"]?.stringValue ?? "",
            callSid: callSid,
            tracks: start["tracks"]?.arrayValue?.compactMap(\.stringValue) ?? [],
            encoding: format?["encoding"]?.stringValue ?? "audio/x-mulaw",
            sampleRate: try integer(format?["sampleRate"], field: "start.mediaFormat.sampleRate") ?? 8000,
            channels: try integer(format?["channels"], field: "start.mediaFormat.channels") ?? 1,
            customParameters: parameters
        )
    }

    /// An integer sent as a JSON number or as a string of digits; `nil` when absent or `null`.
    func integer(_ value: JSON?, field: String) throws(TwilioEventError) -> Int? {
        switch value {
        case nil, .null?:
            return nil
        case .string(let text)?:
            if let number = Int(text) { return number }
        case .number?:
            if let number = value?.intValue { return number }
        default:
            break
        }
        throw TwilioEventError(.notAnInteger(event: event, field: field, value: value?.serialized() ?? ""))
    }
}
