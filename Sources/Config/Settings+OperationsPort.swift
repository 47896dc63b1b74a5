#if canImport(Glibc)
import Glibc
#endif

extension Settings {
    /// `METRICS_PORT` and `METRICS_HOST`: where `/metrics`, `/healthz` and `/readyz` get a
    /// listener of their own, so that whoever reaches the Twilio webhook cannot read the metrics.
    /// Unset `METRICS_PORT` keeps everything on `PORT`.
    static func loadOperationsPort(_ settings: inout Settings, value: (String) -> String?) throws {
        guard let text = value("METRICS_PORT") else {
            if value("METRICS_HOST") != nil {
                throw ConfigError(variable: "METRICS_PORT", message: "METRICS_HOST is set but METRICS_PORT is not — "
                    + "set METRICS_PORT (e.g. 9090) to serve /metrics on a port of its own, or remove METRICS_HOST")
            }
            return
        }
        guard text.allSatisfy(\.isASCIIDigitCharacter), let port = Int(text), (1...65535).contains(port) else {
            throw ConfigError(variable: "METRICS_PORT", message: "'\(text)' is not a port number — "
                + "use an integer from 1 to 65535 (e.g. 9090), or leave it unset to serve /metrics on PORT")
        }
        guard port != settings.port else {
            throw ConfigError(variable: "METRICS_PORT", message: "'\(text)' is the same as PORT — "
                + "choose another port for /metrics (e.g. 9090), or leave METRICS_PORT unset to serve /metrics on PORT")
        }
        settings.metricsPort = port
        if let host = value("METRICS_HOST") {
            guard isIPLiteral(host) else {
                throw ConfigError(variable: "METRICS_HOST", message: "'\(host)' is not an IP address to bind — "
                    + "use 0.0.0.0 (every interface, so a Prometheus scraper in the cluster reaches it), "
                    + "127.0.0.1 (this machine only) or an address of this host")
            }
            settings.metricsHost = host
        }
    }

    /// An IPv4 or IPv6 literal (`[::1]` too), as the listener binds it; host names are not resolved.
    static func isIPLiteral(_ text: String) -> Bool {
        var host = text
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }
}
