@testable import HTTPClient
import Config
import Testing

/// Which way a request goes under `HTTPS_PROXY`/`NO_PROXY`: the rule the realtime tunnel uses.
@Suite struct HTTPClientProxyTests {
    static let proxy = ProxySettings(host: "proxy.example", port: 3128, authorization: "Basic YWxpY2U6cHc=",
                                     noProxy: ["internal.example", "localhost"])

    static func route(_ url: String, _ settings: ProxySettings? = proxy) throws -> HTTPClientProxy {
        HTTPClientProxy(url: try HTTPClientURL(url), settings: settings)
    }

    @Test func https_goesThroughTheProxy_withItsCredentialsApart() throws {
        #expect(try Self.route("https://api.tavily.com/search")
                == .proxy(url: "http://proxy.example:3128", authorization: "Basic YWxpY2U6cHc="))
    }

    @Test func anIPv6ProxyAddress_isBracketed() throws {
        let settings = ProxySettings(host: "fd00::1", port: 8080)
        #expect(try Self.route("https://api.twilio.com/", settings) == .proxy(url: "http://[fd00::1]:8080", authorization: nil))
    }

    @Test(arguments: ["https://internal.example/x", "https://api.internal.example/x", "https://LOCALHOST:8443/"])
    func noProxyHosts_goDirect_overridingTheEnvironment(_ url: String) throws {
        #expect(try Self.route(url) == .direct)
    }

    @Test func noProxyStar_sendsEverythingDirect() throws {
        let settings = ProxySettings(host: "proxy.example", port: 3128, noProxy: ["*"])
        #expect(try Self.route("https://api.tavily.com/", settings) == .direct)
    }

    @Test func plainHTTP_andNoProxyConfigured_keepLibcurlsDefaults() throws {
        #expect(try Self.route("http://127.0.0.1:8080/") == .libcurlDefault, "HTTPS_PROXY does not cover http://")
        #expect(try Self.route("https://api.tavily.com/", nil) == .libcurlDefault)
    }
}
