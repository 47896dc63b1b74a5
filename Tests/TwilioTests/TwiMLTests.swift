import Testing
import Twilio

@Suite("TwiML")
struct TwiMLTests {
    @Test func connectStream_exactDocument() {
        let xml = TwiML.connectStream(url: "wss://bridge.example.com/media-stream",
                                      parameters: [("From", "+14155550100"), ("token", "abc")])
        #expect(xml == #"<?xml version="1.0" encoding="UTF-8"?><Response><Connect><Stream url="wss://bridge.example.com/media-stream"><Parameter name="From" value="+14155550100"/><Parameter name="token" value="abc"/></Stream></Connect></Response>"#)
    }

    @Test func connectStream_escapesAttributes() {
        let xml = TwiML.connectStream(url: "wss://h/m?a=1&b=2", parameters: [("n<'>", #"v"&"#)])
        #expect(xml.contains(#"<Stream url="wss://h/m?a=1&amp;b=2">"#))
        #expect(xml.contains(#"<Parameter name="n&lt;&apos;&gt;" value="v&quot;&amp;"/>"#))
    }

    @Test func connectStream_dropsParametersAtTheLengthLimit() {
        let xml = TwiML.connectStream(url: "wss://h/m", parameters: [
            ("ok", String(repeating: "v", count: 497)),  // 499 characters: kept
            ("big", String(repeating: "x", count: 497)), // 500 characters: dropped
            ("after", "1"),
        ])
        #expect(xml.contains(#"<Parameter name="ok""#))
        #expect(!xml.contains(#"name="big""#))
        #expect(xml.contains(#"<Parameter name="after" value="1"/>"#))
    }

    @Test func say_withAndWithoutHangup() {
        #expect(TwiML.say("Sorry, all lines are busy. Try again later.", hangUp: true)
            == #"<?xml version="1.0" encoding="UTF-8"?><Response><Say>Sorry, all lines are busy. Try again later.</Say><Hangup/></Response>"#)
        #expect(TwiML.say("Tom & Jerry <3", hangUp: false)
            == #"<?xml version="1.0" encoding="UTF-8"?><Response><Say>Tom &amp; Jerry &lt;3</Say></Response>"#)
    }

    @Test func say_removesControlCharactersXMLForbids() {
        #expect(TwiML.say("a\u{01}b\nc", hangUp: false).contains("<Say>ab\nc</Say>"))
    }
}
