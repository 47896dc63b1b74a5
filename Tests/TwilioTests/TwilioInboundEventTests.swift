import Testing
import JSON
import Twilio

@Suite("TwilioInboundEvent")
struct TwilioInboundEventTests {
    // PROTOCOLS.md §1, literally (numbers as strings where Twilio sends strings).
    static let connected = #"{"event":"connected","protocol":"Call","version":"1.0.0"}"#
    static let start = #"{"event":"start","sequenceNumber":"1","streamSid":"MZ18ad3ab5a668481ce02b83e7395059f0","start":{"accountSid":"AC123","streamSid":"MZ18ad3ab5a668481ce02b83e7395059f0","callSid":"CA456","tracks":["inbound"],"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1},"customParameters":{"token":"t0k&n"}}}"#
    static let media = #"{"event":"media","sequenceNumber":"3","streamSid":"MZ18ad3ab5a668481ce02b83e7395059f0","media":{"track":"inbound","chunk":"1","timestamp":"5","payload":"/////w=="}}"#
    static let dtmf = #"{"event":"dtmf","sequenceNumber":"9","streamSid":"MZ18ad3ab5a668481ce02b83e7395059f0","dtmf":{"track":"inbound_track","digit":"5"}}"#
    static let mark = #"{"event":"mark","sequenceNumber":"12","streamSid":"MZ18ad3ab5a668481ce02b83e7395059f0","mark":{"name":"r7:42"}}"#
    static let stop = #"{"event":"stop","sequenceNumber":"40","streamSid":"MZ18ad3ab5a668481ce02b83e7395059f0","stop":{"accountSid":"AC123","callSid":"CA456"}}"#

    private func kind(of text: String) -> TwilioEventError.Kind? {
        #expect(throws: TwilioEventError.self) { try TwilioInboundEvent.decode(text) }?.kind
    }

    @Test func decode_connected() throws {
        #expect(try TwilioInboundEvent.decode(Self.connected) == .connected(protocol: "Call", version: "1.0.0"))
    }

    @Test func decode_start() throws {
        let expected = TwilioStart(
            streamSid: "MZ18ad3ab5a668481ce02b83e7395059f0", accountSid: "AC123", callSid: "CA456",
            tracks: ["inbound"], encoding: "audio/x-mulaw", sampleRate: 8000, channels: 1,
            customParameters: ["token": "t0k&n"])
        #expect(try TwilioInboundEvent.decode(Self.start) == .start(expected, sequenceNumber: 1))
    }

    @Test func decode_media() throws {
        let expected = TwilioMedia(streamSid: "MZ18ad3ab5a668481ce02b83e7395059f0", sequenceNumber: 3,
                                   track: "inbound", chunk: 1, timestamp: 5, payload: "/////w==")
        #expect(try TwilioInboundEvent.decode(Self.media) == .media(expected))
        #expect(try TwilioInboundEvent.decode(Array(Self.media.utf8)) == .media(expected))
        let fromRaw = try Array(Self.media.utf8).withUnsafeBytes { try TwilioInboundEvent.decode($0) }
        #expect(fromRaw == .media(expected))
    }

    @Test func decode_dtmfMarkStop() throws {
        #expect(try TwilioInboundEvent.decode(Self.dtmf) == .dtmf(digit: "5", track: "inbound_track", sequenceNumber: 9))
        #expect(try TwilioInboundEvent.decode(Self.mark) == .mark(name: "r7:42", sequenceNumber: 12))
        #expect(try TwilioInboundEvent.decode(Self.stop) == .stop(callSid: "CA456", sequenceNumber: 40))
    }

    @Test func decode_acceptsNumbersAsNumbers() throws {
        let text = #"{"event":"media","sequenceNumber":3,"media":{"chunk":1,"timestamp":5000,"payload":""}}"#
        let expected = TwilioMedia(sequenceNumber: 3, chunk: 1, timestamp: 5000, payload: "")
        #expect(try TwilioInboundEvent.decode(text) == .media(expected))
    }

    @Test func decode_acceptsSampleRateAsStringAndDefaultsMissingFormat() throws {
        let text = #"{"event":"start","start":{"streamSid":"MZ1","callSid":"CA1","mediaFormat":{"sampleRate":"8000"}}}"#
        guard case .start(let start, let sequenceNumber) = try TwilioInboundEvent.decode(text) else {
            Issue.record("not a start event")
            return
        }
        #expect(sequenceNumber == nil)
        #expect(start.sampleRate == 8000 && start.channels == 1 && start.encoding == "audio/x-mulaw")
        #expect(start.tracks.isEmpty && start.accountSid.isEmpty && start.customParameters.isEmpty)
    }

    @Test func decode_startTakesTopLevelStreamSidWhenNestedOneIsMissing() throws {
        let text = #"{"event":"start","streamSid":"MZ9","start":{"callSid":"CA1"}}"#
        guard case .start(let start, _) = try TwilioInboundEvent.decode(text) else {
            Issue.record("not a start event")
            return
        }
        #expect(start.streamSid == "MZ9")
    }

    @Test func decode_keepsNonStringCustomParametersAsJSONText() throws {
        let text = #"{"event":"start","start":{"streamSid":"MZ1","callSid":"CA1","customParameters":{"n":7,"s":"x"}}}"#
        guard case .start(let start, _) = try TwilioInboundEvent.decode(text) else {
            Issue.record("not a start event")
            return
        }
        #expect(start.customParameters == ["n": "7", "s": "x"])
    }

    @Test func decode_unknownEvent() throws {
        #expect(try TwilioInboundEvent.decode(#"{"event":"bogus","x":1}"#) == .unknown(event: "bogus"))
    }

    @Test func decode_rejectsMissingFields() {
        #expect(kind(of: #"{"event":"start","start":{"callSid":"CA1"}}"#) == .missingField(event: "start", field: "streamSid"))
        #expect(kind(of: #"{"event":"start","start":{"streamSid":"MZ1"}}"#) == .missingField(event: "start", field: "start.callSid"))
        #expect(kind(of: #"{"event":"start","streamSid":"MZ1"}"#) == .missingField(event: "start", field: "start"))
        #expect(kind(of: #"{"event":"media","media":{"track":"inbound"}}"#) == .missingField(event: "media", field: "media.payload"))
        #expect(kind(of: #"{"event":"media"}"#) == .missingField(event: "media", field: "media.payload"))
        #expect(kind(of: #"{"event":"dtmf","dtmf":{}}"#) == .missingField(event: "dtmf", field: "dtmf.digit"))
        #expect(kind(of: #"{"event":"mark","mark":{"name":7}}"#) == .missingField(event: "mark", field: "mark.name"))
        #expect(kind(of: #"{"streamSid":"MZ1"}"#) == .missingEvent)
        #expect(kind(of: #"{"event":5}"#) == .missingEvent)
    }

    @Test func decode_rejectsNonIntegerNumbers() {
        #expect(kind(of: #"{"event":"mark","sequenceNumber":"x12","mark":{"name":"a"}}"#)
            == .notAnInteger(event: "mark", field: "sequenceNumber", value: #""x12""#))
        #expect(kind(of: #"{"event":"media","media":{"chunk":1.5,"payload":""}}"#)
            == .notAnInteger(event: "media", field: "media.chunk", value: "1.5"))
    }

    @Test func decode_rejectsPayloadOutsideTheBase64Alphabet() {
        #expect(kind(of: #"{"event":"media","media":{"payload":"ab\"}{"}}"#) == .payloadNotBase64(prefix: "ab\"}{"))
        #expect(kind(of: #"{"event":"media","media":{"payload":"abc"}}"#) == .payloadNotBase64(prefix: "abc"))
    }

    @Test func decode_rejectsGarbage() {
        guard case .notJSON(let error)? = kind(of: #"{"event":"media""#) else {
            Issue.record("expected notJSON")
            return
        }
        #expect(error.offset == 16)
        #expect(kind(of: "[1,2]") == .notAnObject)
        #expect(kind(of: "") != nil)
        let description = TwilioEventError(.missingField(event: "start", field: "start.callSid")).description
        #expect(description.contains("\"start\"") && description.contains("start.callSid"))
    }
}
