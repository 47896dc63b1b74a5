import Glibc

/// An HTTP proxy that opens TCP tunnels with `CONNECT` (RFC 9110 §9.3.6): how a bridge behind a
/// corporate proxy or an API gateway reaches `wss://` providers.
public struct HTTPProxy: Sendable, Equatable {
    /// The proxy's host name or address.
    public var host: String
    /// The proxy's port.
    public var port: Int
    /// A `Proxy-Authorization` header value (e.g. `Basic …`), when the proxy wants credentials.
    public var authorization: String?

    /// Creates a proxy address.
    public init(host: String, port: Int, authorization: String? = nil) {
        self.host = host
        self.port = port
        self.authorization = authorization
    }
}

/// The CONNECT exchange of one connection: the request to send and the answer read so far.
final class ProxyTunnel {
    let proxy: HTTPProxy
    /// `host:port` the tunnel leads to (IPv6 literals bracketed).
    let target: String
    var answer: [UInt8] = []
    /// The proxy's answer head, without a body, fits in this (RFC 9112 leaves it to us).
    static let maxAnswerBytes = 16 * 1024

    init(proxy: HTTPProxy, host: String, port: Int) {
        self.proxy = proxy
        target = (host.contains(":") ? "[\(host)]" : host) + ":\(port)"
    }

    /// `CONNECT host:port HTTP/1.1` with `Host` and, if configured, `Proxy-Authorization`.
    var request: [UInt8] {
        var text = "CONNECT \(target) HTTP/1.1\r\nHost: \(target)\r\n"
        if let authorization = proxy.authorization { text += "Proxy-Authorization: \(authorization)\r\n" }
        text += "\r\n"
        return Array(text.utf8)
    }
}

extension Connection {
    /// Like `connect(host:port:tls:loop:timeoutMs:delegate:)`, through `proxy` when it is not nil:
    /// TCP to the proxy, `CONNECT host:port`, then (for `tls`) the TLS handshake with `host`
    /// end to end, so certificate checks and SNI are the provider's, never the proxy's.
    /// A refusal reports the proxy's status line (407 means credentials).
    public static func connect(host: String, port: Int, tls: TLSContext?, loop: EventLoop, timeoutMs: Int64,
                               proxy: HTTPProxy?, delegate: ConnectionDelegate? = nil) -> Connection {
        guard let proxy else {
            return connect(host: host, port: port, tls: tls, loop: loop, timeoutMs: timeoutMs, delegate: delegate)
        }
        let tunnel = ProxyTunnel(proxy: proxy, host: host, port: port)
        return connect(host: host, port: port, tls: tls, loop: loop, timeoutMs: timeoutMs, delegate: delegate, tunnel: tunnel)
    }

    /// TCP to the proxy is up: ask it for the tunnel. The request is a few hundred bytes, which
    /// a fresh socket's send buffer always takes whole.
    func beginTunnel() {
        guard let tunnel = proxyTunnel else { return }
        state = .tunneling
        let request = tunnel.request
        let sent = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == request.count else {
            teardown(sent < 0 ? NetError.syscall("sending CONNECT to proxy \(tunnel.proxy.host):\(tunnel.proxy.port)")
                              : NetError("proxy \(tunnel.proxy.host):\(tunnel.proxy.port) took only part of the CONNECT request"))
            return
        }
        updateInterest()
    }

    /// Reads the proxy's answer; a 2xx opens the tunnel and the connection goes on as if
    /// connected directly (TLS handshake with the target, or open).
    func continueTunnel() {
        guard let tunnel = proxyTunnel else { return }
        let proxyName = "proxy \(tunnel.proxy.host):\(tunnel.proxy.port)"
        let buffer = loop.readBuffer
        let n = recv(fd, buffer.baseAddress, min(buffer.count, ProxyTunnel.maxAnswerBytes), 0)
        if n < 0 {
            if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return }
            teardown(NetError.syscall("reading the CONNECT answer from \(proxyName)"))
            return
        }
        if n == 0 {
            teardown(NetError("\(proxyName) closed the connection instead of answering CONNECT \(tunnel.target)"))
            return
        }
        tunnel.answer.append(contentsOf: UnsafeRawBufferPointer(start: buffer.baseAddress, count: n))
        guard let end = Self.headEnd(tunnel.answer) else {
            if tunnel.answer.count > ProxyTunnel.maxAnswerBytes {
                teardown(NetError("\(proxyName) sent more than \(ProxyTunnel.maxAnswerBytes) bytes without finishing its CONNECT answer"))
            }
            return
        }
        let statusLine = String(decoding: tunnel.answer.prefix { $0 != 13 && $0 != 10 }, as: UTF8.self)
        let fields = statusLine.split(separator: " ", maxSplits: 2)
        guard fields.count >= 2, fields[0].hasPrefix("HTTP/1."), let status = Int(fields[1]) else {
            teardown(NetError("\(proxyName) answered CONNECT with something that is not HTTP: '\(statusLine.prefix(80))'"))
            return
        }
        guard (200..<300).contains(status) else {
            let hint = status == 407 ? " — the proxy wants credentials: put them in HTTPS_PROXY as http://user:password@host:port"
                : " — check HTTPS_PROXY, or add \(serverName ?? "the host") to NO_PROXY"
            teardown(NetError("\(proxyName) refused CONNECT \(tunnel.target): \(statusLine)\(hint)"))
            return
        }
        // RFC 9110 §9.3.6: after a 2xx the connection is the tunnel. Neither TLS nor a
        // WebSocket server speaks first, so nothing may follow the head yet.
        guard end == tunnel.answer.count else {
            teardown(NetError("\(proxyName) sent data after its CONNECT answer"))
            return
        }
        proxyTunnel = nil
        if tlsContext != nil {
            do { try beginTLS(asServer: false) } catch let e as NetError { teardown(e) } catch {}
        } else {
            becomeOpen()
        }
    }

    /// The index just past the blank line that ends an HTTP head, or nil if not there yet.
    static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 3..<bytes.count where bytes[i] == 10 && bytes[i - 1] == 13 && bytes[i - 2] == 10 && bytes[i - 3] == 13 {
            return i + 1
        }
        return nil
    }
}
