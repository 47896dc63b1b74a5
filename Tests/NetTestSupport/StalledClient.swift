import Glibc
import Net

/// A blocking loopback socket that sends what it is given and never reads: a peer whose receive
/// window fills up. Its receive buffer is made small before connecting, so a server writing to it
/// backs up after a few kilobytes instead of megabytes.
public final class StalledClient {
    /// The socket, or -1 once closed.
    public private(set) var fd: Int32

    /// Connects to `127.0.0.1:port` (the listener's backlog accepts it before any loop runs).
    public init(port: Int, receiveBuffer: Int32 = 4096) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw NetError.syscall("socket") }
        var size = receiveBuffer
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            let error = NetError.syscall("connect to 127.0.0.1:\(port)")
            Glibc.close(fd)
            throw error
        }
    }

    /// Writes all of `bytes` (blocking; keep it small enough for the kernel to take at once).
    public func send(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Closes the socket.
    public func close() {
        if fd >= 0 { Glibc.close(fd); fd = -1 }
    }

    deinit { close() }
}
