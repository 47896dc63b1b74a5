import CCurl
import Config
import Glibc
import Net

/// An HTTP/1.1 and HTTP/2 client on libcurl's multi interface, run by an `EventLoop`.
///
/// Requests never block the loop: DNS runs on libcurl's resolver thread, sockets are watched by
/// the loop's epoll, and the completion runs on the loop thread. One client per loop; connections
/// are kept alive and reused between requests to the same host.
///
/// ```swift
/// let client = HTTPClient(loop: loop, options: .init(trust: .fromProcessEnvironment()))
/// let task = client.send(.postJSON(url: "https://api.example.com/x", json: body, timeoutMs: 8_000)) { result in
///     switch result { case .success(let response): …; case .failure(let error): … }
/// }
/// task.cancel()   // the completion will not run; the transfer's socket is released
/// ```
public final class HTTPClient {
    /// Which certificate authorities verify `https://` peers.
    public struct Trust: Equatable, Sendable {
        /// A PEM bundle (`CURLOPT_CAINFO`); nil keeps libcurl's built-in default bundle.
        public var caFile: String?
        /// A hashed certificate directory (`CURLOPT_CAPATH`); nil keeps libcurl's default.
        public var caDirectory: String?

        /// Creates a trust setting.
        public init(caFile: String? = nil, caDirectory: String? = nil) {
            self.caFile = caFile
            self.caDirectory = caDirectory
        }

        /// The same store OpenSSL uses for the realtime client: `SSL_CERT_FILE` and
        /// `SSL_CERT_DIR` when set in the process environment. libcurl ignores those variables
        /// on its own (it is built with a fixed bundle path), so they are passed explicitly.
        public static func fromProcessEnvironment() -> Trust {
            func variable(_ name: String) -> String? {
                guard let value = getenv(name).map({ String(cString: $0) }), !value.isEmpty else { return nil }
                return value
            }
            return Trust(caFile: variable("SSL_CERT_FILE"), caDirectory: variable("SSL_CERT_DIR"))
        }
    }

    /// Client-wide settings.
    public struct Options: Sendable {
        /// Certificate authorities for `https://`.
        public var trust: Trust
        /// Larger response bodies abort the request with `tooLarge` (default 1 MiB).
        public var maxResponseBytes: Int
        /// The `User-Agent` header.
        public var userAgent: String
        /// The proxy for `https://` requests (`Settings`' `HTTPS_PROXY`/`NO_PROXY`, from the
        /// process environment or `.env`); hosts it does not apply to are reached directly,
        /// ignoring any proxy in the environment. Nil keeps libcurl's defaults (it then reads
        /// the proxy variables of the process environment itself).
        public var proxy: ProxySettings?

        /// Creates options.
        public init(trust: Trust = Trust(), maxResponseBytes: Int = 1 << 20, userAgent: String = "voice-bridge",
                    proxy: ProxySettings? = nil) {
            self.trust = trust
            self.maxResponseBytes = maxResponseBytes
            self.userAgent = userAgent
            self.proxy = proxy
        }
    }

    /// What a request ends with.
    public typealias Completion = (Result<HTTPClientResponse, HTTPClientError>) -> Void

    /// The loop whose thread runs requests and completions.
    public var loop: EventLoop { multi.loop }
    private let multi: CurlMulti
    private let options: Options

    /// Creates a client on `loop`. Use it only on the loop's thread.
    public init(loop: EventLoop, options: Options = Options()) {
        multi = CurlMulti(loop: loop)
        self.options = options
    }

    /// Requests in progress.
    public var activeRequests: Int { multi.activeTransfers }

    /// Sockets the client currently has the loop watch (for leak checks).
    public var watchedDescriptors: Int { multi.watchedDescriptors }

    /// Starts `request`; `completion` runs once on the loop thread, never before `send`
    /// returns, and never after `cancel()`.
    @discardableResult
    public func send(_ request: HTTPClientRequest, completion: @escaping Completion) -> HTTPClientTask {
        let task = HTTPClientTask()
        let startedAt = loop.currentTimeMs()
        do {
            let easy = try CurlEasy(request, trust: options.trust, proxy: options.proxy,
                                    maxBodyBytes: options.maxResponseBytes, userAgent: options.userAgent)
            // The transfer holds the task until it ends, so a caller may drop the handle.
            try multi.add(easy) { [weak multi] code in
                guard !task.isFinished else { return }
                task.finish()
                completion(Self.result(of: easy, code: code, request: request, elapsedMs: (multi?.loop.currentTimeMs() ?? startedAt) - startedAt))
            }
            task.onCancel = { [weak multi] in multi?.remove(easy) }
        } catch {
            // Refused before it started: still answer asynchronously, as the contract says.
            loop.afterCurrentEvents {
                guard !task.isFinished else { return }
                task.finish()
                completion(.failure(error))
            }
        }
        return task
    }

    private static func result(of easy: CurlEasy, code: CURLcode, request: HTTPClientRequest,
                               elapsedMs elapsed: Int64) -> Result<HTTPClientResponse, HTTPClientError> {
        switch code {
        case CURLE_OK:
            return .success(HTTPClientResponse(status: easy.status, body: easy.body, elapsedMs: elapsed, headers: easy.headers))
        case CURLE_OPERATION_TIMEDOUT:
            return .failure(HTTPClientError(.timedOut, "no complete answer within \(request.timeoutMs) ms (\(easy.message(for: code)))"))
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_CONNECT:
            return .failure(HTTPClientError(.connectFailed, easy.message(for: code)))
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CONNECT_ERROR, CURLE_SSL_CACERT_BADFILE,
             CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER:
            return .failure(HTTPClientError(.tls, easy.message(for: code)))
        case CURLE_WRITE_ERROR where easy.bodyTooLarge, CURLE_FILESIZE_EXCEEDED:
            return .failure(HTTPClientError(.tooLarge, "the response body exceeds \(easy.maxBodyBytes) bytes"))
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL:
            return .failure(HTTPClientError(.invalidURL, easy.message(for: code)))
        default:
            return .failure(HTTPClientError(.transport, easy.message(for: code)))
        }
    }
}

@available(*, unavailable)
extension HTTPClient: Sendable {}

/// A handle on one `HTTPClient` request, to cancel it.
public final class HTTPClientTask {
    fileprivate var onCancel: (() -> Void)?
    /// Whether the request completed or was cancelled.
    public private(set) var isFinished = false

    fileprivate init() {}

    fileprivate func finish() {
        isFinished = true
        onCancel = nil
    }

    /// Stops the request: its completion will not run and its socket is released (closed, or
    /// returned to the connection cache). Call on the loop thread; safe to call more than once.
    public func cancel() {
        guard !isFinished else { return }
        let stop = onCancel
        finish()
        stop?()
    }
}

@available(*, unavailable)
extension HTTPClientTask: Sendable {}
