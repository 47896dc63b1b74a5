import NetTestSupport
import HTTPClient
import HTTP
import Net
import Testing
@testable import Twilio

/// The form a call is placed with, and Twilio's errors read into code, message and advice.
@Suite struct TwilioCallsClientTests {
    @Test func formFields_carryTheTwiMLAndTheStatusCallbackEvents() {
        let fields = TwilioCallsClient.formFields(.init(to: "+46701234567", from: "+15557650000", twiml: "<Response/>",
                                                        statusCallback: "https://h/call-status"))
        #expect(fields.map(\.0) == ["To", "From", "Twiml", "StatusCallback", "StatusCallbackMethod",
                                    "StatusCallbackEvent", "StatusCallbackEvent", "StatusCallbackEvent", "StatusCallbackEvent"])
        #expect(fields.suffix(4).map(\.1) == ["initiated", "ringing", "answered", "completed"])
        #expect(HTTPForm.encode(Array(fields.prefix(1))) == "To=%2B46701234567")
    }

    @Test(arguments: [(21211, "E.164"), (21219, "verify"), (20003, "TWILIO_AUTH_TOKEN")])
    func documentedCodes_sayWhatToDo(code: Int, advice: String) {
        let body = #"{"code":\#(code),"message":"m","more_info":"https://www.twilio.com/docs/errors/\#(code)","status":400}"#
        let error = TwilioAPIError(status: 400, body: Array(body.utf8))
        #expect(error.code == code && error.message == "m")
        #expect(error.description.hasPrefix("Twilio error \(code): m — "))
        #expect(error.description.contains(advice))
        #expect(error.description.hasSuffix("(https://www.twilio.com/docs/errors/\(code))"))
    }

    @Test func otherCodes_giveCodeMessageAndLink() {
        let error = TwilioAPIError(status: 400, body: Array(#"{"code":13227,"message":"Geo","more_info":"https://x/13227"}"#.utf8))
        #expect(error.hint == nil)
        #expect(error.description == "Twilio error 13227: Geo (https://x/13227)")
    }

    @Test func aBodyThatIsNotJSON_keepsTheStatusAndItsStart() {
        let error = TwilioAPIError(status: 503, body: Array("<html>down</html>".utf8))
        #expect(error.code == nil && error.description.contains("HTTP 503") && error.description.contains("<html>down"))
    }

    @Test func create_postsTheFormWithBasicAuthAndReadsTheSid() throws {
        let loop = try EventLoop()
        let server = try ScriptedHTTPServer(loop: loop, responses: [
            HTTPResponse(status: 201, headers: ["Content-Type": "application/json"], body: Array(#"{"sid":"CA123","status":"queued"}"#.utf8)),
        ])
        let client = TwilioCallsClient(http: HTTPClient(loop: loop),
                                       configuration: .init(callsURL: "http://127.0.0.1:\(server.port)/2010-04-01/Accounts/AC1/Calls.json",
                                                            authorization: "Basic QUMxOnRvaw=="))
        var result: Result<String, TwilioAPIError>?
        client.create(.init(to: "+1", from: "+2", twiml: "<Response/>", statusCallback: nil)) { result = $0 }
        loop.run { result != nil }
        #expect(try result?.get() == "CA123")
        let request = try #require(server.requests.first)
        #expect(request.head.path == "/2010-04-01/Accounts/AC1/Calls.json")
        #expect(request.head.headers["Authorization"] == "Basic QUMxOnRvaw==")
        #expect(request.head.headers["Content-Type"] == "application/x-www-form-urlencoded")
        #expect(String(decoding: request.body, as: UTF8.self) == "To=%2B1&From=%2B2&Twiml=%3CResponse%2F%3E")
    }
}
