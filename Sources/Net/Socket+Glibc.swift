import Glibc

/// Thin, platform-specific socket helpers, so the connection types read platform-neutral.
public enum Sockets {
    /// A new non-blocking, close-on-exec TCP socket for `family`.
    static func makeTCP(family: Int32) throws -> Int32 {
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw NetError.syscall("socket") }
        return fd
    }

    /// Disables Nagle: audio frames are small and latency-sensitive.
    static func setNoDelay(_ fd: Int32) {
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// TCP keepalive: after `idleSeconds` without traffic, a probe every `intervalSeconds`; after
    /// `count` unanswered probes the kernel fails the socket (here 30 + 3 × 10 s).
    static func setKeepAlive(_ fd: Int32, idleSeconds: Int32 = 30, intervalSeconds: Int32 = 10, count: Int32 = 3) {
        var one: Int32 = 1, idle = idleSeconds, interval = intervalSeconds, probes = count
        let size = socklen_t(MemoryLayout<Int32>.size)
        setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, size)
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_KEEPIDLE, &idle, size)
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_KEEPINTVL, &interval, size)
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_KEEPCNT, &probes, size)
    }

    /// Whether TCP keepalive is on for `fd` (tests).
    public static func keepAliveIsOn(_ fd: Int32) -> Bool {
        var value: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &value, &len)
        return value != 0
    }

    static func setReuseAddress(_ fd: Int32) {
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// The pending error of a non-blocking connect (`SO_ERROR`), 0 when connected.
    static func pendingError(_ fd: Int32) -> Int32 {
        var err: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len)
        return err
    }

    /// The locally bound address of `fd`.
    static func localAddress(_ fd: Int32) -> SocketAddress? {
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &storage) { ptr in
            ptr.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        guard ok == 0 else { return nil }
        return withUnsafePointer(to: &storage) { ptr in
            ptr.withMemoryRebound(to: sockaddr.self, capacity: 1) { SocketAddress(raw: $0, length: len) }
        }
    }
}
