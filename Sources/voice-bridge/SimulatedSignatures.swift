import Config
import Foundation
import Twilio
import WebSocket

/// How `simulate` signs its requests as Twilio would, when `TWILIO_AUTH_TOKEN` is set
/// (environment or ./.env): over the URLs the bridge rebuilds from `PUBLIC_URL`, or from the
/// `Host` header the request carries when `PUBLIC_URL` is unset.
struct SimulatedSignatures {
    /// The Auth Token the signatures are made with.
    let authToken: String
    /// The stream-token key: `BRIDGE_SECRET`, else the Auth Token (as the bridge keys it).
    let tokenSecret: String
    /// `PUBLIC_URL`'s host[:port], lower-cased; nil when unset.
    let publicHost: String?
    /// The scheme written in `PUBLIC_URL`, if any.
    let publicScheme: String?

    /// The signing set-up from the environment and ./.env, or nil without a token.
    static func load() throws -> SimulatedSignatures? {
        let environment = try Environment.load(dotenvPath: ".env")
        func value(_ name: String) -> String? {
            guard let text = environment[name]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            return text
        }
        guard let token = value("TWILIO_AUTH_TOKEN") else { return nil }
        var host: String?, scheme: String?
        if let publicURL = value("PUBLIC_URL") {
            let schemeEnd = publicURL.range(of: "://")
            scheme = schemeEnd.map { publicURL[..<$0.lowerBound].lowercased() }
            let rest = schemeEnd.map { publicURL[$0.upperBound...] } ?? Substring(publicURL)
            host = rest.prefix(while: { $0 != "/" }).lowercased()
        }
        return SimulatedSignatures(authToken: token, tokenSecret: value("BRIDGE_SECRET") ?? token, publicHost: host, publicScheme: scheme)
    }

    /// `X-Twilio-Signature` for the Media Stream upgrade to `target`: over `wss://` + host + path.
    func streamHeader(for target: WSURL) -> (String, String) {
        let requestHost = target.description.dropFirst(target.scheme.count + 3).prefix(while: { $0 != "/" && $0 != "?" })
        let url = "wss://\(publicHost ?? requestHost.lowercased())\(target.target)"
        return ("X-Twilio-Signature", TwilioSignature.compute(url: url, params: [], authToken: authToken))
    }

    /// The webhook URL the bridge checks for a request sent to `host:port` (whose `Host` header
    /// is `host:port`): `PUBLIC_URL`'s scheme (https unless it says http), else http to that host.
    func webhookURL(host: String, port: Int, path: String) -> String {
        guard let publicHost else { return "http://\(host):\(port)\(path)" }
        let scheme = publicScheme == "http" || publicScheme == "ws" ? "http" : "https"
        return "\(scheme)://\(publicHost)\(path)"
    }
}
