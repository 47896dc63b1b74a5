import NetTestSupport
@testable import HTTPClient
import Config
import HTTP
import Net
import Testing

@Suite struct HTTPClientTests {
    @Test func postJSON_sendsMethodHeadersAndBody_andReturnsStatusAndBody() throws {
        let loop = try EventLoop()
        let server = try ScriptedHTTPServer(loop: loop, responses: [.json(201, #"{"ok":true}"#)])
        let client = HTTPClient(loop: loop)
        var result: Result<HTTPClientResponse, HTTPClientError>?
        client.send(.postJSON(url: "http://127.0.0.1:\(server.port)/v1/thing?x=1", json: #"{"a":1}"#,
                              headers: [("Authorization", "Bearer t-123")], timeoutMs: 2_000)) { result = $0 }
        #expect(result == nil, "the completion never runs before send returns")
        loop.run { result != nil }

        let response = try #require(try result?.get())
        #expect(response.status == 201)
        #expect(response.text == #"{"ok":true}"#)
        let request = try #require(server.requests.first)
        #expect(request.head.method == "POST")
        #expect(request.head.target == "/v1/thing?x=1")
        #expect(request.head.headers["Authorization"] == "Bearer t-123")
        #expect(request.head.headers["Content-Type"] == "application/json")
        #expect(request.head.headers["Expect"] == nil, "no 100-continue round trip")
        #expect(request.body == Array(#"{"a":1}"#.utf8))
    }

    @Test(arguments: [("PUT", #"{"a":1}"#), ("PATCH", #"{"b":2}"#), ("DELETE", #"{"c":3}"#), ("DELETE", "")])
    func otherMethods_sendTheirBody(method: String, body: String) throws {
        let loop = try EventLoop()
        let server = try ScriptedHTTPServer(loop: loop, responses: [.json(200, "{}")])
        var result: Result<HTTPClientResponse, HTTPClientError>?
        let client = HTTPClient(loop: loop)
        client.send(HTTPClientRequest(method: method, url: "http://127.0.0.1:\(server.port)/x",
                                      headers: [("Content-Type", "application/json")],
                                      body: Array(body.utf8), timeoutMs: 2_000)) { result = $0 }
        loop.run { result != nil }
        withExtendedLifetime(client) {}
        #expect(try result?.get().status == 200)
        let request = try #require(server.requests.first)
        #expect(request.head.method == method)
        #expect(request.body == Array(body.utf8))
    }

    @Test func keepsTheConnectionForTheNextRequest_andWatchesNoSocketWhenIdle() throws {
        let loop = try EventLoop()
        let server = try ScriptedHTTPServer(loop: loop, responses: [.json(200, "{}")])
        let client = HTTPClient(loop: loop)
        var done = 0
        for _ in 0..<3 {
            client.send(HTTPClientRequest(url: "http://localhost:\(server.port)/", timeoutMs: 2_000)) { _ in done += 1 }
            loop.run { done == 1 }
            done = 0
        }
        #expect(server.requests.count == 3)
        #expect(server.server.openConnections == 1, "one kept-alive connection served all three")
        #expect(client.activeRequests == 0)
        #expect(client.watchedDescriptors == 0, "an idle cached connection is not on the loop")
    }

    @Test func cancel_releasesTheSocket_andNeverCompletes() throws {
        let loop = try EventLoop()
        let server = try SilentServer(loop: loop)
        let client = HTTPClient(loop: loop)
        let baseline = loop.registeredCount
        var completions = 0
        let task = client.send(.postJSON(url: "http://127.0.0.1:\(server.port)/search", json: "{}", timeoutMs: 5_000)) { _ in
            completions += 1
        }
        loop.run { server.accepted == 1 && client.watchedDescriptors == 1 }
        #expect(loop.registeredCount > baseline, "the transfer's socket is on the loop")
        task.cancel()
        task.cancel()
        loop.run(atMostMs: 1_000) { server.closedByClient == 1 }
        #expect(completions == 0)
        #expect(task.isFinished)
        #expect(client.activeRequests == 0)
        #expect(client.watchedDescriptors == 0)
        #expect(loop.registeredCount == baseline, "no descriptor left on the loop")
        #expect(server.closedByClient == 1, "the half-done connection was closed, not kept")
        server.close()
    }

    @Test func timeout_failsWithTimedOut_nearTheDeadline() throws {
        let loop = try EventLoop()
        let server = try SilentServer(loop: loop)
        let client = HTTPClient(loop: loop)
        var result: Result<HTTPClientResponse, HTTPClientError>?
        let started = MonotonicClock.nowMs()
        client.send(HTTPClientRequest(url: "http://127.0.0.1:\(server.port)/", timeoutMs: 300)) { result = $0 }
        loop.run(atMostMs: 3_000) { result != nil }
        let elapsed = MonotonicClock.nowMs() - started
        guard case .failure(let error) = result else {
            Issue.record("expected a timeout, got \(String(describing: result))")
            return
        }
        #expect(error.kind == .timedOut)
        #expect(error.message.contains("300 ms"))
        #expect(elapsed >= 290 && elapsed < 1_500)
        #expect(client.watchedDescriptors == 0)
        server.close()
    }

    @Test func plainHTTP_toARemoteHost_isRefusedBeforeAnyTraffic() throws {
        let loop = try EventLoop()
        let client = HTTPClient(loop: loop)
        var result: Result<HTTPClientResponse, HTTPClientError>?
        client.send(.postJSON(url: "http://api.tavily.com/search", json: "{}", timeoutMs: 1_000)) { result = $0 }
        #expect(result == nil)
        loop.run { result != nil }
        guard case .failure(let error) = result else { Issue.record("expected a failure"); return }
        #expect(error.kind == .invalidURL)
        #expect(error.message.contains("https://"))
    }

    @Test(arguments: ["ftp://127.0.0.1/x", "file:///etc/passwd", "https://user:pw@example.com/", "https:///path"])
    func urlsOtherThanHTTP_areRefused(_ url: String) throws {
        #expect(throws: HTTPClientError.self) { try HTTPClientURL(url) }
    }

    @Test(arguments: ["http://localhost:8080/x", "http://127.0.0.1/", "http://127.9.8.7:1", "http://[::1]:5/", "HTTP://LOCALHOST/"])
    func plainHTTP_toLoopback_isAccepted(_ url: String) throws {
        #expect(try HTTPClientURL(url).isLoopback)
    }

    @Test func connectionRefused_failsWithConnectFailed() throws {
        let loop = try EventLoop()
        // Bind, learn a free port, close: nothing listens there afterwards.
        let listener = try TCPListener(host: "127.0.0.1", port: 0, loop: loop) { _, _ in }
        let port = listener.port
        listener.close()
        let client = HTTPClient(loop: loop)
        var result: Result<HTTPClientResponse, HTTPClientError>?
        client.send(HTTPClientRequest(url: "http://127.0.0.1:\(port)/", timeoutMs: 2_000)) { result = $0 }
        loop.run { result != nil }
        guard case .failure(let error) = result else { Issue.record("expected a failure"); return }
        #expect(error.kind == .connectFailed)
    }

    @Test func bodyOverTheLimit_abortsWithTooLarge() throws {
        let loop = try EventLoop()
        let big = String(repeating: "x", count: 64 * 1024)
        let server = try ScriptedHTTPServer(loop: loop, responses: [.text(200, big)])
        let client = HTTPClient(loop: loop, options: .init(maxResponseBytes: 10_000))
        var result: Result<HTTPClientResponse, HTTPClientError>?
        client.send(HTTPClientRequest(url: "http://127.0.0.1:\(server.port)/", timeoutMs: 2_000)) { result = $0 }
        loop.run { result != nil }
        guard case .failure(let error) = result else { Issue.record("expected a failure"); return }
        #expect(error.kind == .tooLarge)
    }

    @Test func https_trustsTheGivenCA_andRefusesAnUntrustedOne() throws {
        let pki = try TestPKI.make()
        let loop = try EventLoop()
        let tls = try TLSContext.server(certificateFile: pki.certFile, privateKeyFile: pki.keyFile)
        let server = try ScriptedHTTPServer(loop: loop, tls: tls, responses: [.json(200, #"{"secure":true}"#)])
        let url = "https://localhost:\(server.port)/search"

        let trusting = HTTPClient(loop: loop, options: .init(trust: .init(caFile: pki.caFile)))
        var trusted: Result<HTTPClientResponse, HTTPClientError>?
        trusting.send(.postJSON(url: url, json: "{}", timeoutMs: 3_000)) { trusted = $0 }
        loop.run { trusted != nil }
        #expect((try? trusted?.get())?.text == #"{"secure":true}"#, "\(String(describing: trusted))")

        let systemStore = HTTPClient(loop: loop, options: .init(trust: .init(caFile: "/etc/ssl/certs/ca-certificates.crt")))
        var untrusted: Result<HTTPClientResponse, HTTPClientError>?
        systemStore.send(.postJSON(url: url, json: "{}", timeoutMs: 3_000)) { untrusted = $0 }
        loop.run { untrusted != nil }
        guard case .failure(let error) = untrusted else { Issue.record("an unknown CA must be refused"); return }
        #expect(error.kind == .tls)
        #expect(server.requests.count == 1, "nothing reached the server over the untrusted connection")
    }

    @Test func https_tunnelsThroughTheGivenProxy_withItsCredentials_andNoRequestHeaders() throws {
        let loop = try EventLoop()
        let proxy = try ScriptedHTTPServer(loop: loop, responses: [.json(403, #"{"denied":true}"#)])
        let settings = ProxySettings(host: "127.0.0.1", port: proxy.port, authorization: "Basic YWxpY2U6czNjcmV0")
        let client = HTTPClient(loop: loop, options: .init(proxy: settings))
        var result: Result<HTTPClientResponse, HTTPClientError>?
        client.send(.postJSON(url: "https://api.tavily.invalid/search", json: "{}",
                              headers: [("Authorization", "Bearer tvly-secret")], timeoutMs: 3_000)) { result = $0 }
        loop.run { result != nil }
        let connect = try #require(proxy.requests.first, "the request never reached the proxy: \(String(describing: result))")
        #expect(connect.head.method == "CONNECT")
        #expect(connect.head.target == "api.tavily.invalid:443", "the proxy resolves the host, not us")
        #expect(connect.head.headers["Proxy-Authorization"] == "Basic YWxpY2U6czNjcmV0")
        #expect(connect.head.headers["Authorization"] == nil, "the API key never goes to the proxy")
        guard case .failure(let error) = result else { Issue.record("a refused tunnel must fail"); return }
        #expect(error.message.contains("403"), "\(error)")
        #expect(!error.message.contains("czNjcmV0"))
    }

    @Test func https_toANoProxyHost_goesDirect() throws {
        let pki = try TestPKI.make()
        let loop = try EventLoop()
        let tls = try TLSContext.server(certificateFile: pki.certFile, privateKeyFile: pki.keyFile)
        let server = try ScriptedHTTPServer(loop: loop, tls: tls, responses: [.json(200, #"{"direct":true}"#)])
        let proxy = try ScriptedHTTPServer(loop: loop, responses: [.json(403, "{}")])
        let settings = ProxySettings(host: "127.0.0.1", port: proxy.port, noProxy: ["localhost"])
        let client = HTTPClient(loop: loop, options: .init(trust: .init(caFile: pki.caFile), proxy: settings))
        var result: Result<HTTPClientResponse, HTTPClientError>?
        client.send(.postJSON(url: "https://localhost:\(server.port)/search", json: "{}", timeoutMs: 3_000)) { result = $0 }
        loop.run { result != nil }
        #expect((try? result?.get())?.text == #"{"direct":true}"#, "\(String(describing: result))")
        #expect(proxy.requests.isEmpty)
    }
}
