import Testing
@testable import Twilio

/// The TwiML check of `voice-bridge check`.
@Suite struct TwiMLValidatorTests {
    @Test func ourDocument_isValid() {
        let xml = TwiML.connectStream(url: "wss://abc.ngrok.app/media-stream", parameters: [("From", "+1 & <2>")])
        #expect(TwiMLValidator.problems(in: xml) == [])
        let elements = try? TwiMLValidator.parse(xml)
        #expect(elements?.last?.attributes["value"] == "+1 & <2>")
    }

    @Test(arguments: [
        ("<Response><Connect><Stream url=\"ws://h/media-stream\"></Stream></Connect></Response>", "must start with wss://"),
        ("<Response><Connect><Stream url=\"wss://h/m?x=1\"/></Connect></Response>", "query string"),
        ("<Response><Connect><Stream url=\"wss://h/m\"></Connect></Response>", "closes nothing open"),
        ("<Response><Stream url=wss://h/m/></Response>", "not quoted"),
        ("<Response><Say>a & b</Say></Response>", "bare '&'"),
        ("<Response/><Response/>", "more than one root"),
        ("<Hangup/>", "root element is not <Response>"),
    ])
    func problems_areNamed(xml: String, needle: String) {
        let problems = TwiMLValidator.problems(in: xml)
        #expect(problems.contains { $0.contains(needle) }, "\(problems)")
    }

    @Test func longParameter_isReported() {
        let xml = "<Response><Connect><Stream url=\"wss://h/m\"><Parameter name=\"n\" value=\"" + String(repeating: "v", count: 499) + "\"/></Stream></Connect></Response>"
        #expect(TwiMLValidator.problems(in: xml).contains { $0.contains("fewer than 500") })
    }
}
