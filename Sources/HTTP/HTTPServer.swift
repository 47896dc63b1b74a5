import Glibc
import Net
import Config

/// An HTTP/1.1 server on an `EventLoop`: keep-alive, pipelining, bounded header size and time,
/// and hand-over of the raw connection for protocol upgrades (WebSocket).
public final class HTTPServer {
    /// What a route answers.
    public enum Reply {
        /// Send this response (the connection stays open if both sides want keep-alive).
        case response(HTTPResponse)
        /// Detach the connection from HTTP and give it, with any bytes already read past the
        /// request, to the new owner (who writes the `101` itself).
        case takeOver((Connection, [UInt8]) -> Void)
    }

    /// Routes a complete request to a reply. Runs on the loop thread; must not block.
    public typealias Handler = (HTTPRequest, HTTPRequestInfo) -> Reply

    /// Limits and deadlines for connections that have not upgraded.
    public struct Options {
        /// Parser limits (request line, header block, body).
        public var limits = HTTPParserLimits()
        /// Time allowed for a whole request head to arrive (slowloris bound), in milliseconds.
        public var requestTimeoutMs: Int64 = 10_000
        /// Time a keep-alive connection may sit idle between requests, in milliseconds.
        public var idleTimeoutMs: Int64 = 30_000
        /// Creates the defaults.
        public init() {}
    }

    /// The loop the server runs on.
    public let loop: EventLoop
    /// The bound port.
    public var port: Int { listener?.port ?? 0 }
    private var listener: TCPListener?
    private let tls: TLSContext?
    private let options: Options
    private let handler: Handler
    private let log: Logger
    private var connections: Set<ObjectIdentifier> = []
    private var live: [ObjectIdentifier: HTTPServerConnection] = [:]

    /// Binds `host:port` and starts serving `handler`. `tls` makes it an HTTPS server.
    public init(host: String, port: Int, loop: EventLoop, tls: TLSContext? = nil,
                options: Options = Options(), logger: Logger = Logger(), handler: @escaping Handler) throws {
        self.loop = loop
        self.tls = tls
        self.options = options
        self.handler = handler
        self.log = logger
        listener = try TCPListener(host: host, port: port, loop: loop) { [weak self] fd, peer in
            guard let self else { Glibc.close(fd); return }
            self.accept(fd: fd, peer: peer)
        }
    }

    /// The number of connections still speaking HTTP (not upgraded).
    public var openConnections: Int { live.count }

    private func accept(fd: Int32, peer: SocketAddress) {
        let connection = Connection(accepted: fd, peer: peer, loop: loop, tls: tls)
        let session = HTTPServerConnection(connection: connection, options: options, handler: handler,
                                           secure: tls != nil, logger: log) { [weak self] id in
            self?.live[id] = nil
        }
        live[ObjectIdentifier(session)] = session
        connection.delegate = session
        connection.start()
        session.armTimer(options.requestTimeoutMs)
    }

    /// Stops accepting new connections; open ones finish their work.
    public func stopAccepting() {
        listener?.close()
        listener = nil
    }
}

/// Facts about a request that are not in its bytes.
public struct HTTPRequestInfo {
    /// The client's address as seen by the socket (not trustworthy behind a proxy).
    public let peer: String
    /// Whether the request arrived over TLS terminated by this server.
    public let secure: Bool

    /// Creates the facts for a request (the server does this; tests too).
    public init(peer: String, secure: Bool) {
        self.peer = peer
        self.secure = secure
    }
}
