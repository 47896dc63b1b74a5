import Testing
@testable import Preflight

/// The lines of `voice-bridge check`, and what counts as a public host for PUBLIC_URL.
@Suite struct PreflightTests {
    @Test func preflightLines_render() {
        #expect(PreflightLine(.passed, "azure h/d", "TLS", "h:443", elapsedMs: 12).rendered == "✔ azure h/d: TLS — h:443 (12 ms)")
        #expect(PreflightLine(.failed, "azure h/d", "WebSocket upgrade", "HTTP 404 DeploymentNotFound", fix: "fix it", elapsedMs: 3).rendered
                == "✘ azure h/d: WebSocket upgrade: HTTP 404 DeploymentNotFound (3 ms) — fix it")
        #expect(PreflightLine(.skipped, "PUBLIC_URL", "not set", "").rendered == "– PUBLIC_URL: not set")
    }

    @Test func publicHosts() {
        #expect(Preflight.nonPublicReason("abc.ngrok.app") == nil)
        #expect(Preflight.nonPublicReason("8.8.8.8") == nil)
        for host in ["localhost", "10.0.0.1", "172.20.1.1", "192.168.1.1", "127.0.0.1", "169.254.169.254", "printer.local", "[::1]", "fd00::1"] {
            #expect(Preflight.nonPublicReason(host) != nil, "\(host)")
        }
        #expect(Preflight.split("h:8443") == ("h", 8443) && Preflight.split("h") == ("h", 443) && Preflight.split("[::1]:9") == ("::1", 9))
    }

    @Test func warningLines_carryTheirFix_andDoNotFailTheCheck() {
        #expect(PreflightLine(.warning, "model gpt-realtime", "deprecations", "shuts down on 2027-01-20", fix: "set it").rendered
                == "! model gpt-realtime: deprecations: shuts down on 2027-01-20 — set it")
    }
}
