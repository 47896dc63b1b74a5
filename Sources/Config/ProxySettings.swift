import Base64
import Foundation

/// The HTTP proxy outbound TLS connections go through (`HTTPS_PROXY`, or `https_proxy`), as a
/// CONNECT tunnel, and the hosts reached directly (`NO_PROXY`, or `no_proxy`).
///
/// Only `http://` proxies are supported (the tunnel carries TLS end to end; the hop to the proxy
/// itself is plain, as with curl's default). Credentials in the URL (`http://user:pass@host:port`)
/// become a `Proxy-Authorization: Basic` header; both are secrets and are redacted in logs.
public struct ProxySettings: Sendable, Equatable {
    /// The proxy's host name or address (an IPv6 address without brackets).
    public var host: String
    /// The proxy's port; 1080 when the URL names none (curl's default).
    public var port: Int
    /// The `Proxy-Authorization` value, when the URL carries credentials.
    public var authorization: String?
    /// `NO_PROXY` entries, lower-cased, without leading dots or ports; `*` means every host.
    public var noProxy: [String]
    /// The URL's password as written and decoded, so that the log redactor masks it wherever
    /// it might appear (a proxy URL echoed in some message), not only inside the header.
    var passwordForms: [String] = []

    /// Creates proxy settings.
    public init(host: String, port: Int, authorization: String? = nil, noProxy: [String] = []) {
        self.host = host
        self.port = port
        self.authorization = authorization
        self.noProxy = noProxy
    }

    /// Whether a connection to `host` goes through the proxy: false when `NO_PROXY` names the
    /// host, one of its parent domains, or `*` (the curl rules, without CIDR ranges).
    public func applies(to host: String) -> Bool {
        let name = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        for entry in noProxy {
            if entry == "*" || name == entry || name.hasSuffix("." + entry) { return false }
        }
        return true
    }

    /// Reads `HTTPS_PROXY`/`https_proxy` and `NO_PROXY`/`no_proxy`; nil when no proxy is set.
    static func load(from value: (String) -> String?) throws -> ProxySettings? {
        let variable = value("HTTPS_PROXY") != nil ? "HTTPS_PROXY" : "https_proxy"
        guard let text = value(variable) else { return nil }
        var proxy = try parse(text, variable: variable)
        let noProxy = value("NO_PROXY") ?? value("no_proxy") ?? ""
        proxy.noProxy = noProxy.split(separator: ",").compactMap { raw in
            var entry = raw.trimmingWhitespace().lowercased()
            while entry.hasPrefix(".") { entry.removeFirst() }
            if entry.hasPrefix("["), let close = entry.firstIndex(of: "]") {
                entry = String(entry[entry.index(after: entry.startIndex)..<close])
            } else if entry.filter({ $0 == ":" }).count == 1, let colon = entry.firstIndex(of: ":") {
                entry = String(entry[..<colon])  // host:port — the port does not matter here
            }
            return entry.isEmpty ? nil : entry
        }
        return proxy
    }

    /// `http://[user:password@]host[:port][/]` or `host:port`.
    static func parse(_ text: String, variable: String) throws -> ProxySettings {
        var rest = Substring(text)
        if let separator = rest.range(of: "://") {
            let scheme = rest[..<separator.lowerBound].lowercased()
            guard scheme == "http" else {
                throw ConfigError(variable: variable, message: "'\(redactedURL(text))' uses \(scheme)://, but only http:// proxies "
                    + "are supported (the tunnel itself carries TLS) — write it like http://proxy.example:3128")
            }
            rest = rest[separator.upperBound...]
        }
        while rest.hasSuffix("/") { rest = rest.dropLast() }
        var authorization: String?
        var passwordForms: [String] = []
        if let at = rest.lastIndex(of: "@") {
            let credentials = String(rest[..<at])
            rest = rest[rest.index(after: at)...]
            let user = credentials.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(user[0]).removingPercentEncoding ?? String(user[0])
            let password = user.count > 1 ? (String(user[1]).removingPercentEncoding ?? String(user[1])) : ""
            authorization = "Basic " + Base64.encode(Array("\(name):\(password)".utf8))
            passwordForms = user.count > 1 ? [String(user[1]), password] : []
        }
        let parts: AddressParts
        do {
            parts = try AddressParts.parse(String(rest))
        } catch let problem as AddressProblem {
            throw ConfigError(variable: variable, message: "'\(redactedURL(text))' is not a proxy address: \(problem.reason) — "
                + "write it like http://proxy.example:3128")
        }
        guard parts.path.isEmpty, parts.query == nil else {
            throw ConfigError(variable: variable, message: "'\(redactedURL(text))' has a path or query — "
                + "write only http://host:port")
        }
        let host = parts.host.hasPrefix("[") ? String(parts.host.dropFirst().dropLast()) : parts.host
        var proxy = ProxySettings(host: host, port: parts.port ?? 1080, authorization: authorization)
        proxy.passwordForms = passwordForms
        return proxy
    }

    /// The URL with any password replaced, for error messages.
    static func redactedURL(_ text: String) -> String {
        guard let at = text.lastIndex(of: "@") else { return text }
        let start = text.range(of: "://")?.upperBound ?? text.startIndex
        return String(text[..<start]) + "***" + String(text[at...])
    }
}
