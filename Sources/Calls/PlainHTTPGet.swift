import Config
import HTTP
import Net

/// One `GET` over plain HTTP on the loop: what the managed-identity endpoints need (the
/// instance metadata service at 169.254.169.254 and App Service's `IDENTITY_ENDPOINT` are
/// both `http://` on the machine's own network, never through a proxy).
final class PlainHTTPGet: ConnectionDelegate {
    private let request: [UInt8]
    private var parser = HTTPResponseParser()
    private var head: HTTPResponseHead?
    private var completion: ((Result<(status: Int, body: [UInt8]), AzureTokenSource.TokenError>) -> Void)?
    private let where_: String

    private init(request: [UInt8], where_: String,
                 completion: @escaping (Result<(status: Int, body: [UInt8]), AzureTokenSource.TokenError>) -> Void) {
        self.request = request
        self.where_ = where_
        self.completion = completion
    }

    /// Sends `GET url` with `headers`; `completion` runs once on `loop`.
    static func fetch(_ url: String, headers: [(String, String)], loop: EventLoop, timeoutMs: Int64,
                      completion: @escaping (Result<(status: Int, body: [UInt8]), AzureTokenSource.TokenError>) -> Void) {
        guard url.hasPrefix("http://") else {
            loop.afterCurrentEvents { completion(.failure(.init("\(url): only http:// identity endpoints are supported"))) }
            return
        }
        let rest = url.dropFirst("http://".count)
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        var target = String(rest.dropFirst(authority.count))
        if !target.hasPrefix("/") { target = "/" + target }
        var host = String(authority), port = 80
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]"), let p = Int(authority[authority.index(after: colon)...]) {
            host = String(authority[..<colon])
            port = p
        }
        var text = "GET \(target) HTTP/1.1\r\nHost: \(authority)\r\nAccept: application/json\r\nConnection: close\r\n"
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        text += "\r\n"
        let get = PlainHTTPGet(request: Array(text.utf8), where_: String(authority), completion: completion)
        let bare = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        _ = Connection.connect(host: bare, port: port, tls: nil, loop: loop, timeoutMs: timeoutMs, delegate: get)
    }

    func connectionDidOpen(_ connection: Connection) { connection.write(request) }

    func connection(_ connection: Connection, didRead bytes: UnsafeRawBufferPointer) {
        parser.append(bytes)
        do {
            if head == nil { head = try parser.nextHead() }
            if let head, let body = try parser.nextBody() {
                finish(.success((head.status, body)))
                connection.close()
            }
        } catch {
            finish(.failure(.init("the identity endpoint \(where_) answered with invalid HTTP: \(error)")))
            connection.close()
        }
    }

    func connection(_ connection: Connection, didCloseWith error: NetError?) {
        if let head {
            finish(.success((head.status, parser.finish())))
        } else {
            finish(.failure(.init("could not reach the identity endpoint \(where_): \(error?.message ?? "closed without answering")")))
        }
    }

    private func finish(_ result: Result<(status: Int, body: [UInt8]), AzureTokenSource.TokenError>) {
        guard let completion else { return }
        self.completion = nil
        completion(result)
    }
}

extension AzureTokenSource {
    /// A token source that fetches over `PlainHTTPGet` on `loop` (5 s per request).
    public static func plainHTTP(identity: ProviderSettings.Identity, loop: EventLoop) -> AzureTokenSource {
        AzureTokenSource(identity: identity) { url, headers, completion in
            PlainHTTPGet.fetch(url, headers: headers, loop: loop, timeoutMs: 5_000, completion: completion)
        }
    }
}
