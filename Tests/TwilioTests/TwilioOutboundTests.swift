import Testing
import JSON
import Twilio

@Suite("TwilioOutbound")
struct TwilioOutboundTests {
    @Test func media_exactShape() throws {
        let text = TwilioOutbound.media(streamSid: "MZ1", payload: "/////w==")
        #expect(text == #"{"event":"media","streamSid":"MZ1","media":{"payload":"/////w=="}}"#)
        let json = try JSON.parse(text)
        #expect(json == ["event": "media", "streamSid": "MZ1", "media": ["payload": "/////w=="]])
    }

    @Test func mark_exactShape() throws {
        let text = TwilioOutbound.mark(streamSid: "MZ1", name: "r7:42")
        #expect(text == #"{"event":"mark","streamSid":"MZ1","mark":{"name":"r7:42"}}"#)
        #expect(try JSON.parse(text) == ["event": "mark", "streamSid": "MZ1", "mark": ["name": "r7:42"]])
    }

    @Test func splices_matchTheStringBuilders() {
        for (sid, payload, name) in [("MZ1", "/////w==", "r7:42"), ("MZ0123456789abcdef0123456789abcdef", "", "item_Cx9:0")] {
            var sidText = sid, payloadText = payload, nameText = name
            sidText.withUTF8 { sidBytes in
                payloadText.withUTF8 { payloadBytes in
                    nameText.withUTF8 { nameBytes in
                        let media = TwilioOutbound.media(plainStreamSid: UnsafeRawBufferPointer(sidBytes), payload: UnsafeRawBufferPointer(payloadBytes))
                        #expect(media.string == TwilioOutbound.media(streamSid: sid, payload: payload))
                        #expect(media.count == media.string.utf8.count)
                        let mark = TwilioOutbound.mark(plainStreamSid: UnsafeRawBufferPointer(sidBytes), plainName: UnsafeRawBufferPointer(nameBytes))
                        #expect(mark.string == TwilioOutbound.mark(streamSid: sid, name: name))
                        var suffix = ":1234"
                        let parted = suffix.withUTF8 {
                            TwilioOutbound.mark(plainStreamSid: UnsafeRawBufferPointer(sidBytes), plainName: UnsafeRawBufferPointer(nameBytes),
                                                nameSuffix: UnsafeRawBufferPointer($0)).string
                        }
                        #expect(parted == TwilioOutbound.mark(streamSid: sid, name: name + ":1234"))
                    }
                }
            }
        }
    }

    @Test func clear_exactShape() throws {
        let text = TwilioOutbound.clear(streamSid: "MZ1")
        #expect(text == #"{"event":"clear","streamSid":"MZ1"}"#)
        #expect(try JSON.parse(text) == ["event": "clear", "streamSid": "MZ1"])
    }

    @Test func identifiers_areEscaped() throws {
        let sid = "MZ\"}\\\n"
        let name = "a\"b"
        let mark = try JSON.parse(TwilioOutbound.mark(streamSid: sid, name: name))
        #expect(mark["streamSid"]?.stringValue == sid)
        #expect(mark["mark"]?["name"]?.stringValue == name)
        let clear = try JSON.parse(TwilioOutbound.clear(streamSid: sid))
        #expect(clear["streamSid"]?.stringValue == sid)
        let media = try JSON.parse(TwilioOutbound.media(streamSid: sid, payload: "AAAA"))
        #expect(media["streamSid"]?.stringValue == sid)
    }
}
