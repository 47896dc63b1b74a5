import Net
import Logging

/// One accepted connection while it speaks HTTP/1.1: parses (pipelined) requests, answers them in
/// order, enforces the header deadline and idle timeout, and hands the socket over on upgrade.
final class HTTPServerConnection: ConnectionDelegate {
    private let connection: Connection
    private var parser: HTTPRequestParser
    private let options: HTTPServer.Options
    private let handler: HTTPServer.Handler
    private let secure: Bool
    private let log: Logger
    private let onFinish: (ObjectIdentifier) -> Void
    /// Asked before a connection is handed over (upgrade): false when the server has no room.
    var mayTakeOver: () -> Bool = { true }
    /// Told when a connection was handed over (it then counts as upgraded).
    var didTakeOver: () -> Void = {}
    private var timer: LoopTimer?
    /// The loop time since which no request has been in progress (accept, or the last response).
    private(set) var idleSinceMs: Int64
    /// True while the timer is the idle timer: the next byte starts a request and its deadline.
    private var awaitingRequest = false
    private var detached = false

    init(connection: Connection, options: HTTPServer.Options, handler: @escaping HTTPServer.Handler,
         secure: Bool, logger: Logger, onFinish: @escaping (ObjectIdentifier) -> Void) {
        self.connection = connection
        self.parser = HTTPRequestParser(limits: options.limits)
        self.options = options
        self.handler = handler
        self.secure = secure
        self.log = logger
        self.onFinish = onFinish
        self.idleSinceMs = connection.loop.now
    }

    /// Whether no request is in progress: nothing of one received, none being answered. Such a
    /// connection may be closed to make room (RFC 9112 §9.6: a server may close an idle one).
    var isIdle: Bool { !detached && parser.isIdle }

    /// Whether it may be closed to make room at `nowMs`: idle, and either kept alive after a
    /// response or accepted at least `freshGraceMs` ago. A connection accepted a moment ago
    /// whose request is still unread (in a burst of connections accepted together) is not idle,
    /// only not read yet; closing it would drop a request that was on its way.
    func mayEvict(nowMs: Int64, freshGraceMs: Int64) -> Bool {
        isIdle && (answeredOne || nowMs - idleSinceMs >= freshGraceMs)
    }
    /// Whether a response was sent on this connection (it is then a kept-alive one).
    private var answeredOne = false

    /// Closes an idle connection to make room for a new one.
    func evict() {
        guard isIdle else { return }
        detach()
        connection.close()
    }

    func armTimer(_ ms: Int64) {
        awaitingRequest = false
        timer?.cancel()
        timer = connection.loop.schedule(afterMs: ms) { [weak self] in
            guard let self, !self.detached else { return }
            if self.parser.isIdle {
                self.connection.close()  // idle keep-alive connection: just close
            } else {
                self.log.info("HTTP request head not received in time; closing", [("peer", self.connection.peer)])
                self.fail(HTTPResponse.text(408, "request timeout\n"))
            }
        }
    }

    func connectionDidOpen(_ connection: Connection) {}

    func connection(_ connection: Connection, didRead bytes: UnsafeRawBufferPointer) {
        guard !detached else { return }
        parser.append(bytes)
        if awaitingRequest && !parser.isIdle {
            // A kept-alive connection started its next request: it now has `requestTimeoutMs`.
            armTimer(options.requestTimeoutMs)
        }
        processRequests()
    }

    private func processRequests() {
        while !detached && connection.isOpen {
            let request: HTTPRequest?
            do {
                request = try parser.next()
            } catch {
                log.info("bad HTTP request", [("peer", connection.peer), ("status", String(error.status)), ("reason", error.reason)])
                fail(HTTPResponse.text(error.status, error.reason + "\n"))
                return
            }
            guard let request else {
                // RFC 9110 §10.1.1: a client that sent `Expect: 100-continue` may wait for this
                // before sending the body (curl does, for a second).
                if parser.takePendingContinue() {
                    connection.write(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
                }
                return
            }
            let info = HTTPRequestInfo(peer: connection.peer, secure: secure)
            switch handler(request, info) {
            case .response(let response):
                let keepAlive = request.keepAlive
                connection.write(response.serialized(keepAlive: keepAlive, requestMethod: request.head.method))
                if !keepAlive {
                    detach()
                    // Pipelined bytes may follow; a plain close would reset the response away.
                    connection.lingeringClose(timeoutMs: options.lingerMs)
                    return
                }
                if parser.isIdle {
                    armTimer(options.idleTimeoutMs)
                    awaitingRequest = true
                    idleSinceMs = connection.loop.now
                    answeredOne = true
                } else {
                    armTimer(options.requestTimeoutMs)
                }
            case .takeOver(let newOwner):
                guard mayTakeOver() else {
                    log.warning("refused an upgrade: too many upgraded connections", [("peer", connection.peer)])
                    var busy = HTTPResponse.text(503, "busy: too many connections in progress\n")
                    busy.headers.add("Retry-After", "5")
                    fail(busy)
                    return
                }
                let leftover = parser.takeBufferedBytes()
                detach()
                didTakeOver()
                newOwner(connection, leftover)
                return
            }
        }
    }

    /// Answers with an error and closes: the stream can no longer be trusted to be in sync.
    private func fail(_ response: HTTPResponse) {
        connection.write(response.serialized(keepAlive: false))
        detach()
        // The rest of the request may still be arriving; let the client read the answer first.
        connection.lingeringClose(timeoutMs: options.lingerMs)
    }

    private func detach() {
        guard !detached else { return }
        detached = true
        timer?.cancel()
        timer = nil
        connection.delegate = nil
        onFinish(ObjectIdentifier(self))
    }

    func connection(_ connection: Connection, didCloseWith error: NetError?) {
        detach()
    }
}
