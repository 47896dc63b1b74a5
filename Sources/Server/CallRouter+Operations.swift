import Metrics
import Calls
import Providers
import HTTP

extension CallRouter {
    /// The host Twilio reaches: `PUBLIC_URL`, else the proxy's `X-Forwarded-Host`, else `Host`.
    func publicHost(for request: HTTPRequest) -> String {
        publicHost ?? request.head.headers["X-Forwarded-Host"] ?? request.head.headers["Host"] ?? "localhost"
    }

    /// The URLs Twilio may have signed for this webhook request: rebuilt from the public host and
    /// the request's path and query, never from the local socket (PROTOCOLS.md §1). The scheme is
    /// `PUBLIC_URL`'s when written, else the proxy's `X-Forwarded-Proto`, else https or http.
    func webhookURLs(for request: HTTPRequest) -> [String] {
        let target = request.head.path + (request.head.query.map { "?" + $0 } ?? "")
        let host = publicHost(for: request)
        var schemes = ["https", "http"]
        if publicHost != nil, let written = publicScheme {
            schemes = [written == "http" || written == "ws" ? "http" : "https"]
        } else if publicHost == nil, let forwarded = request.head.headers["X-Forwarded-Proto"] {
            let first = forwarded.split(separator: ",").first.map { String($0).trimmed(of: [" ", "\t"]).lowercased() } ?? ""
            if first == "http" || first == "https" { schemes = [first] }
        }
        return schemes.map { "\($0)://\(host)\(target)" }
    }

    /// The URL Twilio signed for the Media Stream upgrade: the `wss://` URL of our TwiML.
    func streamURLs(for request: HTTPRequest) -> [String] {
        ["wss://\(publicHost(for: request))\(request.head.path)" + (request.head.query.map { "?" + $0 } ?? "")]
    }

    /// `/readyz`: 200 while calls are welcome; 503 while draining or with the provider known down.
    func readiness() -> HTTPResponse {
        if gate.isDraining { return .text(503, "draining\n") }
        if !isReady { return .text(503, "provider unavailable: recent provider handshakes all failed\n") }
        return .text(200, "ready\n")
    }

    /// Not draining, and some loop's provider rotation not known down.
    var isReady: Bool {
        let pools = loops?.pools ?? [manager.context.providers]
        return !gate.isDraining && !pools.allSatisfy { $0.isKnownDown() }
    }

    /// `/metrics` in the Prometheus text format.
    func metrics() -> HTTPResponse {
        let gauges = CallMetrics.Gauges(activeCalls: loops?.activeCalls ?? manager.activeCalls, maxCalls: gate.maxCalls == .max ? 0 : gate.maxCalls,
                                        pendingCalls: gate.pendingCalls, draining: gate.isDraining,
                                        ready: isReady)
        return .text(200, gate.metrics.render(gauges, pools: loops?.pools ?? [manager.context.providers]),
                     contentType: PrometheusText.contentType)
    }
}
