import Net
import Config

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
    private var timer: LoopTimer?
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
                connection.write(response.serialized(keepAlive: keepAlive))
                if !keepAlive {
                    detach()
                    // Pipelined bytes may follow; a plain close would reset the response away.
                    connection.lingeringClose(timeoutMs: options.lingerMs)
                    return
                }
                if parser.isIdle {
                    armTimer(options.idleTimeoutMs)
                    awaitingRequest = true
                } else {
                    armTimer(options.requestTimeoutMs)
                }
            case .takeOver(let newOwner):
                let leftover = parser.takeBufferedBytes()
                detach()
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
