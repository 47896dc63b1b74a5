import Glibc
import Net
import Logging

/// An HTTP/1.1 server on an `EventLoop`: keep-alive, pipelining, bounded header size and time,
/// a bound on open connections, and hand-over of the raw connection for protocol upgrades
/// (WebSocket).
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
        /// Time allowed for a whole request to arrive, counted from its first byte (or from the
        /// accept, so a connection that never says anything is closed after it too): the
        /// slowloris bound, in milliseconds. Past it: 408 and close, or a silent close when
        /// nothing was received.
        public var requestTimeoutMs: Int64 = 10_000
        /// Time a keep-alive connection may sit idle between requests, in milliseconds.
        public var idleTimeoutMs: Int64 = 5_000
        /// Most connections speaking HTTP (not upgraded) at once. When full, the one idle the
        /// longest (no request in progress) is closed to make room; with none idle, the new
        /// connection is answered `503` and closed at once.
        public var maxConnections = 1_000
        /// Most connections speaking HTTP from one address at once, with the same eviction of its
        /// own idle ones first. Behind a proxy (ngrok, a load balancer) every request comes from
        /// the proxy's address, so this is a bound on a peer's requests in progress.
        public var maxConnectionsPerPeer = 128
        /// How long a connection accepted without a request yet is safe from being closed to
        /// make room, in milliseconds: in a burst (many calls starting through one proxy) its
        /// request is already in the socket, read in this iteration or the next. Short, so that
        /// connections that never say anything still make room soon.
        public var freshConnectionGraceMs: Int64 = 250
        /// Most upgraded connections (calls) at once, counted apart from HTTP ones so that idle
        /// HTTP clients can never lock calls out, nor calls lock out health checks. An upgrade
        /// over it gets `503`. Each call also holds a provider connection: keep this and the
        /// calls' other sockets under the process's descriptor limit (`ulimit -n`).
        public var maxUpgradedConnections = 1_000
        /// After an error response, how long to drain what the client still sends before closing
        /// (see `Connection.lingeringClose`), in milliseconds.
        public var lingerMs: Int64 = 2_000
        /// Creates the defaults.
        public init() {}    }

    /// The loop the server runs on.
    public let loop: EventLoop
    /// The bound port.
    public var port: Int { listener?.port ?? 0 }
    private var listener: TCPListener?
    private let tls: TLSContext?
    private let options: Options
    private let handler: Handler
    private let log: Logger
    private var live: [ObjectIdentifier: HTTPServerConnection] = [:]
    /// HTTP connections by peer address (`SocketAddress.hostDescription`).
    private var byPeer: [String: Int] = [:]
    /// Connections accepted and not yet released, upgraded ones included.
    public private(set) var connectionCount = 0
    /// Connections handed over (upgraded) and not yet released.
    public private(set) var upgradedCount = 0
    /// Idle connections closed to make room for new ones.
    public private(set) var evictedConnections = 0
    /// Connections refused with 503 because `maxConnections` were open.
    public private(set) var refusedConnections = 0
    private var lastRefusalLogMs: Int64?
    private var lastAcceptErrorLogMs: Int64?

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
        listener?.onAcceptError = { [weak self] error in
            guard let self, Self.due(self.lastAcceptErrorLogMs, now: self.loop.now) else { return }
            self.lastAcceptErrorLogMs = self.loop.now
            self.log.error("cannot accept connections", [("error", error.message), ("open_connections", String(self.connectionCount))])
        }
    }

    /// The number of connections still speaking HTTP (not upgraded).
    public var openConnections: Int { live.count }

    private func accept(fd: Int32, peer: SocketAddress) {
        let host = peer.hostDescription
        if byPeer[host, default: 0] >= options.maxConnectionsPerPeer, !evictIdle(from: host) {
            refuse(fd: fd, peer: peer, limit: "max_connections_per_peer", options.maxConnectionsPerPeer)
            return
        }
        if live.count >= options.maxConnections, !evictIdle(from: nil) {
            refuse(fd: fd, peer: peer, limit: "max_connections", options.maxConnections)
            return
        }
        let connection = Connection(accepted: fd, peer: peer, loop: loop, tls: tls)
        connectionCount += 1
        let slot = Slot()
        connection.onRelease { [weak self] in
            self?.connectionCount -= 1
            if slot.upgraded { self?.upgradedCount -= 1 }
        }
        byPeer[host, default: 0] += 1
        let session = HTTPServerConnection(connection: connection, options: options, handler: handler,
                                           secure: tls != nil, logger: log) { [weak self] id in
            guard let self else { return }
            self.live[id] = nil
            if let count = self.byPeer[host], count > 1 { self.byPeer[host] = count - 1 } else { self.byPeer[host] = nil }
            self.hosts[id] = nil
        }
        session.mayTakeOver = { [weak self] in (self?.upgradedCount ?? 0) < (self?.options.maxUpgradedConnections ?? 0) }
        session.didTakeOver = { [weak self] in
            slot.upgraded = true
            self?.upgradedCount += 1
        }
        live[ObjectIdentifier(session)] = session
        hosts[ObjectIdentifier(session)] = host
        connection.delegate = session
        connection.start()
        session.armTimer(options.requestTimeoutMs)
    }

    /// Whether an upgraded connection is counted as such (set at hand-over, read at release).
    private final class Slot { var upgraded = false }
    /// Each live HTTP connection's peer address, to evict by peer.
    private var hosts: [ObjectIdentifier: String] = [:]

    /// Closes the connection idle the longest (of `host`, or of anyone): true when one was closed.
    /// A scan of the live connections, done only when a limit is reached.
    private func evictIdle(from host: String?) -> Bool {
        var oldest: HTTPServerConnection?
        let now = loop.now
        for (id, session) in live where session.mayEvict(nowMs: now, freshGraceMs: options.freshConnectionGraceMs) && (host == nil || hosts[id] == host) {
            if oldest.map({ session.idleSinceMs < $0.idleSinceMs }) ?? true { oldest = session }
        }
        guard let oldest else { return false }
        oldest.evict()
        evictedConnections += 1
        return true
    }

    /// Over the limit: a best-effort `503` (plain HTTP only; a TLS client just sees the close),
    /// then the socket is closed without ever being watched. Logged at most once a second.
    private func refuse(fd: Int32, peer: SocketAddress, limit: String, _ value: Int) {
        refusedConnections += 1
        if tls == nil {
            let answer = HTTPResponse.text(503, "too many connections; retry later\n").serialized(keepAlive: false)
            _ = answer.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
        }
        Glibc.close(fd)
        if Self.due(lastRefusalLogMs, now: loop.now) {
            lastRefusalLogMs = loop.now
            log.warning("connection refused: too many open connections, none of them idle",
                        [("peer", peer.description), (limit, String(value)),
                         ("refused_total", String(refusedConnections))])
        }
    }

    /// Whether a rate-limited log line (at most one a second) may be written now.
    private static func due(_ last: Int64?, now: Int64) -> Bool {
        guard let last else { return true }
        return now - last >= 1_000
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
