import Calls
import HTTP
import JSON

extension CallRouter {
    /// Whether `path` is one of the console's: `/`, `/console`, `/console/…`.
    static func isConsolePath(_ path: String) -> Bool {
        path == "/" || path == "/console" || path.hasPrefix("/console/")
    }

    /// The console: the page and its files (embedded in the binary, `ConsoleAssets`), its
    /// settings (`/console/config`) and its event stream (`/console/events`). 404 when off,
    /// 401 without its password.
    func console(_ request: HTTPRequest, _ info: HTTPRequestInfo) -> HTTPServer.Reply {
        guard let console, console.access.isOn else { return .response(.text(404, "not found\n")) }
        if case .password = console.access, console.logins.isLockedOut(info.peer) {
            var slow = HTTPResponse.text(429, "too many failed console logins from this address; try again in a minute\n")
            slow.headers.add("Retry-After", "60")
            return .response(slow)
        }
        if let refusal = console.access.refusal(request) {
            if refusal.status == 401 { console.logins.failed(info.peer, log: gate.log) }
            return .response(refusal)
        }
        let method = request.head.method
        guard method == "GET" || method == "HEAD" else { return .response(methodNotAllowed("GET, HEAD")) }
        switch request.head.path {
        case "/", "/console", "/console/":
            return .response(Self.asset(named: "index.html"))
        case "/console/config":
            let body: JSON = ["talk": .bool(console.talk), "include_text": .bool(console.watch.includesText),
                              "password": .bool(console.access != .open)]
            return .response(HTTPResponse(status: 200, headers: ["Content-Type": "application/json", "Cache-Control": "no-store"],
                                          body: Array(body.serialized().utf8)))
        case "/console/events":
            guard console.hasRoom else {
                var busy = HTTPResponse.text(503, "busy: \(console.maxWatchers) console watchers already connected\n")
                busy.headers.add("Retry-After", "10")
                return .response(busy)
            }
            return .takeOver { connection, _ in console.openStream(on: connection, peer: info.peer) }
        case let path:
            return .response(Self.asset(named: String(path.dropFirst("/console/".count))))
        }
    }

    /// An embedded console file, with headers that keep the page to its own origin; 404 for
    /// names not embedded.
    static func asset(named name: String) -> HTTPResponse {
        guard let asset = ConsoleAssets.files.first(where: { $0.name == name }) else { return .text(404, "not found\n") }
        var headers = HTTPHeaders()
        headers.add("Content-Type", asset.contentType)
        headers.add("Cache-Control", "no-cache")
        headers.add("X-Content-Type-Options", "nosniff")
        headers.add("Referrer-Policy", "no-referrer")
        headers.add("X-Frame-Options", "DENY")
        // Nothing from elsewhere: no CDN, no inline script; microphone for Talk only.
        headers.add("Content-Security-Policy", "default-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
        headers.add("Permissions-Policy", "microphone=(self), camera=()")
        return HTTPResponse(status: 200, headers: headers, body: asset.bytes)
    }
}
