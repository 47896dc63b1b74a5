import Glibc

/// A listening TCP socket on a loop; hands each accepted, non-blocking socket to `onAccept`.
public final class TCPListener {
    /// The loop it accepts on.
    public let loop: EventLoop
    /// The port actually bound (useful when asked for port 0).
    public let port: Int
    private var fd: Int32
    private let onAccept: (Int32, SocketAddress) -> Void
    private var resumeTimer: LoopTimer?
    /// Hears accept failures other than "nothing to accept", e.g. out of descriptors (EMFILE).
    public var onAcceptError: ((NetError) -> Void)?
    /// How long accepting pauses after running out of descriptors or memory, in milliseconds.
    public var pauseAfterResourceErrorMs: Int64 = 100

    /// Binds `host:port` (an IP literal; `0.0.0.0` for all IPv4 interfaces) and starts accepting.
    public init(host: String, port: Int, loop: EventLoop, backlog: Int32 = 1024,
                onAccept: @escaping (Int32, SocketAddress) -> Void) throws {
        guard let address = SocketAddress(ipLiteral: host, port: port) else {
            throw NetError("listen address \(host) is not an IP address")
        }
        self.loop = loop
        self.onAccept = onAccept
        let socketFD = try Sockets.makeTCP(family: address.family)
        Sockets.setReuseAddress(socketFD)
        let bound = address.withSockaddr { bind(socketFD, $0, $1) }
        guard bound == 0 else {
            let error = NetError.syscall("bind \(address) (is PORT=\(port) already in use?)")
            Glibc.close(socketFD)
            throw error
        }
        guard listen(socketFD, backlog) == 0 else {
            let error = NetError.syscall("listen on \(address)")
            Glibc.close(socketFD)
            throw error
        }
        fd = socketFD
        self.port = Sockets.localAddress(socketFD)?.port ?? port
        try loop.register(fd: fd, interest: .readable) { [unowned self] _ in self.acceptAll() }
    }

    private func acceptAll() {
        while fd >= 0 {
            var storage = sockaddr_storage()
            var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let client = withUnsafeMutablePointer(to: &storage) { ptr in
                ptr.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    accept(fd, $0, &len)
                }
            }
            if client < 0 {
                let code = errno
                switch code {
                case EAGAIN, EWOULDBLOCK:
                    return
                case EINTR, ECONNABORTED, EPROTO:
                    continue  // that one client is gone; others may be waiting
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    // The pending connection stays readable, so a level-triggered loop would spin
                    // at full CPU: stop watching the socket for a moment instead.
                    pause()
                    onAcceptError?(NetError.syscall("accept on port \(port) (out of descriptors or memory; pausing \(pauseAfterResourceErrorMs) ms; raise `ulimit -n`?)", errno: code))
                    return
                default:
                    onAcceptError?(NetError.syscall("accept on port \(port)", errno: code))
                    return
                }
            }
            _ = fcntl(client, F_SETFL, fcntl(client, F_GETFL) | O_NONBLOCK)
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            Sockets.setKeepAlive(client)  // a peer that vanished without a FIN is found and released
            let peer = withUnsafePointer(to: &storage) { ptr in
                ptr.withMemoryRebound(to: sockaddr.self, capacity: 1) { SocketAddress(raw: $0, length: len) }
            }
            onAccept(client, peer)
        }
    }

    private func pause() {
        guard fd >= 0, resumeTimer == nil else { return }
        loop.modify(fd: fd, interest: [])
        resumeTimer = loop.schedule(afterMs: pauseAfterResourceErrorMs) { [weak self] in
            guard let self else { return }
            self.resumeTimer = nil
            if self.fd >= 0 { self.loop.modify(fd: self.fd, interest: .readable) }
        }
    }

    deinit { close() }

    /// Stops accepting and releases the socket.
    public func close() {
        guard fd >= 0 else { return }
        resumeTimer?.cancel()
        resumeTimer = nil
        loop.deregister(fd: fd)
        Glibc.close(fd)
        fd = -1
    }
}
