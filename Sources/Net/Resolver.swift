import Glibc
import Dispatch

/// Resolves host names without blocking the loop: IP literals at once, names with
/// `getaddrinfo` on a background queue, the answer delivered back on the loop thread.
public enum Resolver {
    /// Resolves `host:port` to TCP addresses (IPv4 first), calling `completion` on `loop`.
    public static func resolve(host: String, port: Int, on loop: EventLoop,
                               completion: @escaping (Result<[SocketAddress], NetError>) -> Void) {
        if let literal = SocketAddress(ipLiteral: host, port: port) {
            loop.afterCurrentEvents { completion(.success([literal])) }
            return
        }
        let box = ResultBox(completion)
        let handle = loop.handle
        DispatchQueue.global().async {
            let result = lookup(host: host, port: port)
            handle.execute { box.completion(result) }
        }
    }

    /// Blocking lookup; only ever called off the loop thread.
    static func lookup(host: String, port: Int) -> Result<[SocketAddress], NetError> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            let reason = rc == EAI_SYSTEM ? String(cString: strerror(errno)) : String(cString: gai_strerror(rc))
            return .failure(NetError("DNS lookup of \(host) failed: \(reason)"))
        }
        defer { freeaddrinfo(list) }
        var v4: [SocketAddress] = [], v6: [SocketAddress] = []
        var node: UnsafeMutablePointer<addrinfo>? = first
        while let n = node {
            if let addr = n.pointee.ai_addr {
                let sa = SocketAddress(raw: addr, length: n.pointee.ai_addrlen)
                if sa.family == AF_INET { v4.append(sa) } else if sa.family == AF_INET6 { v6.append(sa) }
            }
            node = n.pointee.ai_next
        }
        let all = v4 + v6
        return all.isEmpty ? .failure(NetError("DNS lookup of \(host) returned no TCP address")) : .success(all)
    }

    /// Carries the loop-confined completion through the background queue untouched; it is only
    /// ever invoked back on the loop thread via `execute`.
    private final class ResultBox: @unchecked Sendable {
        let completion: (Result<[SocketAddress], NetError>) -> Void
        init(_ c: @escaping (Result<[SocketAddress], NetError>) -> Void) { completion = c }
    }
}
