/// The few facts `HTTPClient` checks about a URL before handing it to libcurl.
struct HTTPClientURL: Equatable {
    /// `http` or `https`.
    let scheme: String
    /// The host, lower-cased; an IPv6 literal keeps its brackets.
    let host: String

    /// Splits `text`, or throws when it is not an absolute http(s) URL, or is `http://` to a
    /// host other than loopback (which would send credentials in clear over a network).
    init(_ text: String) throws(HTTPClientError) {
        let lower = text.lowercased()
        let scheme: String
        if lower.hasPrefix("https://") {
            scheme = "https"
        } else if lower.hasPrefix("http://") {
            scheme = "http"
        } else {
            throw HTTPClientError(.invalidURL, "'\(text)' is not an http:// or https:// URL")
        }
        let rest = lower.dropFirst(scheme.count + 3)
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.contains("@") else {
            throw HTTPClientError(.invalidURL, "'\(text)' carries a user name or password; send credentials in a header")
        }
        var host: Substring
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            host = authority[...close]
        } else {
            host = authority.prefix { $0 != ":" }
        }
        guard !host.isEmpty, !text.contains(where: { $0 == " " || $0.isNewline }) else {
            throw HTTPClientError(.invalidURL, "'\(text)' has no host or contains white space")
        }
        if host.hasSuffix(".") { host = host.dropLast() }
        self.scheme = scheme
        self.host = String(host)
        if scheme == "http" && !isLoopback && !isLinkLocal {
            throw HTTPClientError(.invalidURL, "'\(text)' uses http:// to a remote host; use https:// "
                + "(http:// is accepted only for localhost, 127.0.0.1, [::1] and link-local 169.254.x.x)")
        }
    }

    /// Whether the host is IPv4 link-local (`169.254.0.0/16`): never routed off the machine's
    /// link, and where Azure's instance metadata service answers managed-identity token requests
    /// over plain http (`http://169.254.169.254/metadata/identity/oauth2/token`).
    var isLinkLocal: Bool {
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "169" && octets[1] == "254" && octets.allSatisfy { UInt8($0) != nil }
    }

    /// Whether the host is this machine: `localhost`, `127.0.0.0/8` or `[::1]`.
    var isLoopback: Bool {
        if host == "localhost" || host == "[::1]" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { UInt8($0) != nil }
    }
}
