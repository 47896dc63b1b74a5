import Base64
import Calls
import HTTP
import Logging
import Realtime
import Testing
@testable import Server

@Suite struct ConsoleAccessTests {
    static func basic(_ user: String, _ password: String) -> String {
        "Basic " + Base64.encode(Array("\(user):\(password)".utf8))
    }

    func request(_ path: String, authorization: String? = nil) -> HTTPRequest {
        var headers = HTTPHeaders([("Host", "127.0.0.1:5050")])
        if let authorization { headers.add("Authorization", authorization) }
        return HTTPRequest(head: HTTPRequestHead(method: "GET", target: path, headers: headers), body: [])
    }

    func router(_ access: ConsoleAccess) -> CallRouter {
        let context = CallContext(endpoint: .local, sessionOptions: RealtimeSessionOptions(instructions: "be brief"),
                                  greeting: "", tls: nil, logger: Logger())
        var router = CallRouter(publicHost: nil, manager: CallManager(context: context))
        if access.isOn { router.console = Console(access: access, watch: CallWatch(includesText: true), talk: true) }
        return router
    }

    func status(_ reply: HTTPServer.Reply) -> Int? {
        if case .response(let response) = reply { return response.status }
        return nil
    }

    @Test func decide_isOpenOnlyInDevelopmentMode() {
        #expect(ConsoleAccess.decide(password: nil, developmentMode: true, disabled: false) == .open)
        #expect(ConsoleAccess.decide(password: nil, developmentMode: false, disabled: false) == .off)
        #expect(ConsoleAccess.decide(password: "p4ssword-long", developmentMode: false, disabled: false) == .password("p4ssword-long"))
        #expect(ConsoleAccess.decide(password: "p4ssword-long", developmentMode: true, disabled: false) == .password("p4ssword-long"))
        #expect(ConsoleAccess.decide(password: "p4ssword-long", developmentMode: true, disabled: true) == .off)
    }

    @Test func basic_acceptsAnyUserWithThePassword() {
        #expect(ConsoleAccess.basicPasswordMatches(Self.basic("ops", "s3cret:with-colon"), password: "s3cret:with-colon"))
        #expect(ConsoleAccess.basicPasswordMatches(Self.basic("", "pw-0123456789"), password: "pw-0123456789"))
        #expect(!ConsoleAccess.basicPasswordMatches(Self.basic("ops", "pw-012345678"), password: "pw-0123456789"))
        #expect(!ConsoleAccess.basicPasswordMatches(Self.basic("ops", "pw-01234567890"), password: "pw-0123456789"))
        #expect(!ConsoleAccess.basicPasswordMatches("Bearer pw-0123456789", password: "pw-0123456789"))
        #expect(!ConsoleAccess.basicPasswordMatches("Basic !!!", password: "pw-0123456789"))
        #expect(!ConsoleAccess.basicPasswordMatches(nil, password: "pw-0123456789"))
    }

    @Test func router_answers404WhenOff_401WithoutPassword_200WithIt() {
        #expect(status(router(.off).handle(request("/console"), HTTPRequestInfo(peer: "p", secure: false))) == 404)
        #expect(status(router(.off).handle(request("/"), HTTPRequestInfo(peer: "p", secure: false))) == 404)
        let locked = router(.password("pw-0123456789"))
        let info = HTTPRequestInfo(peer: "p", secure: false)
        #expect(status(locked.handle(request("/console"), info)) == 401)
        #expect(status(locked.handle(request("/console/events"), info)) == 401)
        #expect(status(locked.handle(request("/console", authorization: Self.basic("a", "pw-0123456789")), info)) == 200)
        #expect(status(locked.handle(request("/console/events", authorization: Self.basic("a", "pw-0123456789")), info)) == nil)
        #expect(status(router(.open).handle(request("/console/nope.js"), info)) == 404)
        #expect(status(router(.open).handle(request("/"), info)) == 200)
    }
}
