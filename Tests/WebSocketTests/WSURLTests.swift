import Testing
import WebSocket

@Suite("WSURL")
struct WSURLTests {
    @Test func url_parsesSecureURLWithDefaultPortAndQuery() throws {
        let url = try WSURL("wss://api.openai.com/v1/realtime?model=gpt-realtime")
        #expect(url.scheme == "wss")
        #expect(url.isSecure)
        #expect(url.host == "api.openai.com")
        #expect(url.port == 443)
        #expect(url.target == "/v1/realtime?model=gpt-realtime")
        #expect(url.description == "wss://api.openai.com/v1/realtime?model=gpt-realtime")
    }

    @Test func url_mapsHTTPSchemesAndDefaultsTheTarget() throws {
        let plain = try WSURL("HTTP://Example.COM")
        #expect(plain.scheme == "ws" && !plain.isSecure)
        #expect(plain.host == "example.com")
        #expect(plain.port == 80)
        #expect(plain.target == "/")
        let secure = try WSURL("https://x.openai.azure.com?api-version=2024-12-17")
        #expect(secure.scheme == "wss" && secure.port == 443)
        #expect(secure.target == "/?api-version=2024-12-17")
    }

    @Test func url_parsesExplicitPortsAndIPv6Literals() throws {
        let local = try WSURL("ws://127.0.0.1:8081/media")
        #expect(local.port == 8081 && local.host == "127.0.0.1")
        let v6 = try WSURL("wss://[2001:db8::1]:8443/s")
        #expect(v6.host == "2001:db8::1")
        #expect(v6.port == 8443)
        #expect(v6.description == "wss://[2001:db8::1]:8443/s")
        #expect(try WSURL("ws://[::1]").port == 80)
    }

    @Test(arguments: [
        "wss://host/path#fragment",
        "wss://user:pass@host/",
        "wss:///path",
        "wss://:443/",
        "ftp://host/",
        "host/path",
        "wss://host:0/",
        "wss://host:65536/",
        "wss://host:http/",
        "wss://[::1/",
        "wss://::1/",
        "wss://ho st/",
        "wss://host/pa th",
    ])
    func url_rejectsUnusableURLs(_ string: String) {
        #expect(throws: WSURLError.self) { try WSURL(string) }
    }

    @Test func url_errorSaysWhatToFix() {
        do {
            _ = try WSURL("wss://user@host/")
            Issue.record("userinfo accepted")
        } catch {
            #expect(error.description.contains("send credentials in a header"))
        }
    }
}
