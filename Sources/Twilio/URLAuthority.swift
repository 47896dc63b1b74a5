/// `scheme://[userinfo@]host[:port]rest`, split just enough to add or remove the port.
struct URLAuthority {
    var scheme: String
    var prefix: String   // "scheme://" and any "userinfo@"
    var host: String     // with brackets for IPv6
    var port: String?
    var rest: String     // path, query, fragment

    init?(_ url: String) {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        scheme = url[..<schemeEnd.lowerBound].lowercased()
        let afterScheme = url[schemeEnd.upperBound...]
        let authorityEnd = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? afterScheme.endIndex
        var authority = afterScheme[..<authorityEnd]
        rest = String(afterScheme[authorityEnd...])
        var userinfo = ""
        if let at = authority.lastIndex(of: "@") {
            userinfo = String(authority[...at])
            authority = authority[authority.index(after: at)...]
        }
        prefix = String(url[..<schemeEnd.upperBound]) + userinfo
        // The port follows the last colon, unless that colon is inside an IPv6 literal.
        if let colon = authority.lastIndex(of: ":"), !authority[colon...].contains("]") {
            host = String(authority[..<colon])
            let digits = authority[authority.index(after: colon)...]
            port = digits.isEmpty ? nil : String(digits)
        } else {
            host = String(authority)
            port = nil
        }
    }

    func rebuilt(port: String?) -> String {
        prefix + host + (port.map { ":" + $0 } ?? "") + rest
    }
}
