import Glibc

/// An IPv4 or IPv6 socket address, resolved or parsed from a literal.
public struct SocketAddress: CustomStringConvertible, Sendable {
    var storage = sockaddr_storage()
    var length: socklen_t = 0

    /// The address family (`AF_INET` or `AF_INET6`).
    public var family: Int32 { Int32(storage.ss_family) }

    /// Parses an IP literal (`127.0.0.1`, `::1`, `[::1]`) with a port; nil if `host` is not a literal.
    public init?(ipLiteral host: String, port: Int) {
        var h = host
        if h.hasPrefix("["), h.hasSuffix("]") { h = String(h.dropFirst().dropLast()) }
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, h, &v4) == 1 {
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            sin.sin_port = in_port_t(UInt16(port).bigEndian)
            sin.sin_addr = v4
            self.init(copying: sin)
        } else if inet_pton(AF_INET6, h, &v6) == 1 {
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            sin6.sin6_port = in_port_t(UInt16(port).bigEndian)
            sin6.sin6_addr = v6
            self.init(copying: sin6)
        } else {
            return nil
        }
    }

    /// Copies a `sockaddr_in`/`sockaddr_in6` value.
    init<T>(copying value: T) {
        var v = value
        withUnsafeBytes(of: &v) { src in
            withUnsafeMutableBytes(of: &storage) { dst in
                dst.copyMemory(from: src)
            }
        }
        length = socklen_t(MemoryLayout<T>.size)
    }

    /// Copies a raw `sockaddr` of `length` bytes (from getaddrinfo or accept).
    init(raw: UnsafePointer<sockaddr>, length: socklen_t) {
        withUnsafeMutableBytes(of: &storage) { dst in
            dst.copyMemory(from: UnsafeRawBufferPointer(start: raw, count: Int(length)))
        }
        self.length = length
    }

    /// The port in host byte order.
    public var port: Int {
        withUnsafeBytes(of: storage) { raw in
            if family == AF_INET {
                return Int(UInt16(bigEndian: raw.load(as: sockaddr_in.self).sin_port))
            }
            return Int(UInt16(bigEndian: raw.load(as: sockaddr_in6.self).sin6_port))
        }
    }

    /// The address without its port (`1.2.3.4`, `[::1]`): what a per-peer limit counts by.
    public var hostDescription: String {
        let text = description
        guard let colon = text.lastIndex(of: ":") else { return text }
        return String(text[..<colon])
    }

    /// `1.2.3.4:80` or `[::1]:80`.
    public var description: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        var s = storage
        let text: String = withUnsafePointer(to: &s) { ptr in
            ptr.withMemoryRebound(to: UInt8.self, capacity: MemoryLayout<sockaddr_storage>.size) { _ in
                if family == AF_INET {
                    var addr = UnsafeRawPointer(ptr).load(as: sockaddr_in.self).sin_addr
                    inet_ntop(AF_INET, &addr, &buffer, socklen_t(buffer.count))
                } else {
                    var addr = UnsafeRawPointer(ptr).load(as: sockaddr_in6.self).sin6_addr
                    inet_ntop(AF_INET6, &addr, &buffer, socklen_t(buffer.count))
                }
                return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
        }
        return family == AF_INET6 ? "[\(text)]:\(port)" : "\(text):\(port)"
    }

    func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        var s = storage
        return withUnsafePointer(to: &s) { ptr in
            ptr.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, length) }
        }
    }
}
