@testable import Server
import Providers
import Logging
import HTTP
import JSON
import Realtime
import Testing
@testable import Calls

@Suite struct CallRouterTests {
    func router(publicHost: String? = "example.ngrok.app") -> CallRouter {
        let context = CallContext(endpoint: .local, sessionOptions: RealtimeSessionOptions(instructions: "be brief"),
                                  greeting: "", tls: nil, logger: Logger())
        return CallRouter(publicHost: publicHost, manager: CallManager(context: context))
    }

    func request(_ method: String, _ target: String, headers: [(String, String)] = [], body: String = "") -> HTTPRequest {
        var parser = HTTPRequestParser()
        var text = "\(method) \(target) HTTP/1.1\r\nHost: internal:5050\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        if !body.isEmpty { text += "Content-Length: \(body.utf8.count)\r\n" }
        text += "\r\n" + body
        parser.append(Array(text.utf8))
        return try! parser.next()!
    }

    func response(_ reply: HTTPServer.Reply) -> HTTPResponse? {
        if case .response(let r) = reply { return r }
        return nil
    }

    @Test func incomingCall_post_answersTwiMLWithStreamAndParameters() throws {
        let r = try #require(response(router().handle(
            request("POST", "/incoming-call", headers: [("Content-Type", "application/x-www-form-urlencoded")],
                    body: "CallSid=CA123&From=%2B15551234567&To=%2B15557654321"),
            HTTPRequestInfo(peer: "1.2.3.4:5", secure: false))))
        #expect(r.status == 200)
        #expect(r.headers["Content-Type"] == "text/xml; charset=utf-8")
        let xml = String(decoding: r.body, as: UTF8.self)
        #expect(xml.contains(#"<Stream url="wss://example.ngrok.app/media-stream">"#))
        #expect(xml.contains(#"<Parameter name="From" value="+15551234567"/>"#))
        #expect(xml.contains(#"<Parameter name="CallSid" value="CA123"/>"#))
        #expect(!xml.contains("media-stream?"), "Twilio forbids a query string in the Stream URL")
    }

    @Test func incomingCall_get_readsTheQuery_andFallsBackToTheHostHeader() throws {
        let r = try #require(response(router(publicHost: nil).handle(
            request("GET", "/incoming-call?CallSid=CA9&From=alice"), HTTPRequestInfo(peer: "", secure: false))))
        let xml = String(decoding: r.body, as: UTF8.self)
        #expect(xml.contains(#"url="wss://internal:5050/media-stream""#))
        #expect(xml.contains(#"<Parameter name="CallSid" value="CA9"/>"#))
    }

    @Test func healthz_isOK_andUnknownPathsAre404() throws {
        let info = HTTPRequestInfo(peer: "", secure: false)
        #expect(response(router().handle(request("GET", "/healthz"), info))?.status == 200)
        #expect(response(router().handle(request("GET", "/nope"), info))?.status == 404)
        #expect(response(router().handle(request("DELETE", "/incoming-call"), info))?.status == 405)
    }

    @Test func metricsOnOwnPort_publicPortAnswers404ForMetrics_butKeepsTheProbes() throws {
        let info = HTTPRequestInfo(peer: "", secure: false)
        var split = router()
        #expect(response(split.handle(request("GET", "/metrics"), info))?.status == 200)
        split.metricsOnOwnPort = true
        #expect(response(split.handle(request("GET", "/metrics"), info))?.status == 404)
        #expect(response(split.handle(request("GET", "/healthz"), info))?.status == 200)
        #expect(response(split.handle(request("GET", "/readyz"), info))?.status == 200)
        let metrics = try #require(response(split.handleOperations(request("GET", "/metrics"), info)))
        #expect(metrics.status == 200)
        #expect(String(decoding: metrics.body, as: UTF8.self).contains("voice_bridge_active_calls 0"))
    }

    @Test func operationsListener_servesOnlyProbesAndMetrics() throws {
        var r = router()
        r.metricsOnOwnPort = true
        let info = HTTPRequestInfo(peer: "", secure: false)
        for path in ["/healthz", "/readyz", "/metrics"] {
            #expect(response(r.handleOperations(request("GET", path), info))?.status == 200, "\(path)")
            #expect(response(r.handleOperations(request("HEAD", path), info))?.status == 200, "\(path)")
            #expect(response(r.handleOperations(request("POST", path), info))?.status == 405, "\(path)")
        }
        for path in ["/incoming-call", "/media-stream", "/calls", "/call-status", "/"] {
            #expect(response(r.handleOperations(request("POST", path), info))?.status == 404, "\(path)")
        }
    }

    @Test func mediaStream_withoutUpgradeHeaders_isRefused() throws {
        let r = try #require(response(router().handle(request("GET", "/media-stream"), HTTPRequestInfo(peer: "", secure: false))))
        #expect(r.status == 400 || r.status == 426)
    }

    @Test func refusalHints_nameTheVariableToCheck() {
        #expect(ProviderHint.forStatus(401, provider: "openai").contains("OPENAI_API_KEY"))
        #expect(ProviderHint.forStatus(401, provider: "azure").contains("AZURE_OPENAI_API_KEY"))
        #expect(ProviderHint.forStatus(404, provider: "azure").contains("AZURE_OPENAI_DEPLOYMENT"))
        #expect(ProviderHint.forStatus(429, provider: "openai").contains("quota"))
    }
}
