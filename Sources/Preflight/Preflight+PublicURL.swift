import Calls
import Foundation
import Net
import Twilio

/// `PUBLIC_URL`: the host Twilio reaches must be public, answer TLS with a trusted certificate,
/// and give a valid `<Stream url="wss://…">` (PROTOCOLS.md §1, §6: a bad one hangs up the call
/// right after it connects, Twilio error 31910).
extension Preflight {
    func checkPublicURL(_ done: @escaping () -> Void) {
        guard let hostAndPort = settings.publicHost else {
            // serve runs without it too (the TwiML then names each webhook's Host header).
            emit(PreflightLine(.skipped, "PUBLIC_URL", "not set",
                               "the TwiML will name each webhook's Host header; set PUBLIC_URL to your ngrok or load-balancer host to check it"))
            done()
            return
        }
        let (host, port) = Self.split(hostAndPort)
        let subject = "PUBLIC_URL \(hostAndPort)"
        checkTwiML(host: hostAndPort, subject: subject)
        let nameReason = Self.nonPublicReason(host)
        if let nameReason {
            emit(PreflightLine(.failed, subject, "public host", nameReason,
                               fix: "Twilio connects from the internet: use your ngrok or load-balancer host"))
        }
        let started = loop.currentTimeMs()
        Resolver.resolve(host: host, port: port, on: loop) { [unowned self] result in
            switch result {
            case .failure(let error):
                self.emit(PreflightLine(.failed, subject, "DNS", error.message, fix: "check the host name in PUBLIC_URL",
                                        elapsedMs: loop.currentTimeMs() - started))
                done()
            case .success(let addresses):
                let texts = addresses.map(Preflight.addressText)
                if nameReason == nil, let inner = texts.first(where: { Self.nonPublicReason($0) != nil }) {
                    self.emit(PreflightLine(.failed, subject, "DNS", "\(host) resolves to \(inner), which the internet cannot reach",
                                            fix: "Twilio connects from the internet: use your ngrok or load-balancer host",
                                            elapsedMs: loop.currentTimeMs() - started))
                } else {
                    self.emit(PreflightLine(.passed, subject, "DNS", "\(host) → \(texts.prefix(3).joined(separator: ", "))",
                                            elapsedMs: loop.currentTimeMs() - started))
                }
                self.checkCertificate(host: host, port: port, subject: subject, done: done)
            }
        }
    }

    /// The TwiML `/incoming-call` would answer, checked as Twilio will read it.
    private func checkTwiML(host: String, subject: String) {
        let xml = TwiML.connectStream(url: "wss://\(host)/media-stream",
                                      parameters: [("From", "+15550100"), ("CallSid", "CA" + String(repeating: "0", count: 32))])
        let problems = TwiMLValidator.problems(in: xml)
        if problems.isEmpty {
            emit(PreflightLine(.passed, subject, "TwiML", "<Connect><Stream url=\"wss://\(host)/media-stream\"> is valid"))
        } else {
            emit(PreflightLine(.failed, subject, "TwiML", problems.joined(separator: "; "),
                               fix: "set PUBLIC_URL to the bare public host, like abc.ngrok.app"))
        }
    }

    /// Twilio needs `wss://` with a certificate it trusts: the same check our TLS client makes.
    private func checkCertificate(host: String, port: Int, subject: String, done: @escaping () -> Void) {
        let started = loop.currentTimeMs()
        let probe = TLSProbe { [unowned self] error in
            let elapsed = loop.currentTimeMs() - started
            if let error {
                self.emit(PreflightLine(.failed, subject, "TLS", error.message,
                                        fix: "Twilio refuses wss:// without a trusted certificate for this host (error 31910); "
                                            + "check that the tunnel or load balancer is up and serves a valid certificate",
                                        elapsedMs: elapsed))
            } else {
                self.emit(PreflightLine(.passed, subject, "TLS", "\(host):\(port), certificate trusted", elapsedMs: elapsed))
            }
            done()
        }
        probe.connection = Connection.connect(host: host, port: port, tls: context.tls, loop: loop,
                                              timeoutMs: max(context.providerConnectTimeoutMs, 5_000), delegate: probe)
    }

    /// Why `host` (a name or an address) is not reachable from the internet, or nil if it may be.
    static func nonPublicReason(_ host: String) -> String? {
        let name = host.lowercased()
        if name == "localhost" || name.hasSuffix(".localhost") { return "\(host) is this machine" }
        for suffix in [".local", ".internal", ".lan", ".home.arpa", ".intranet"] where name.hasSuffix(suffix) {
            return "\(host) is a private name (\(suffix))"
        }
        let octets = name.split(separator: ".").compactMap { UInt8($0) }
        if octets.count == 4 && name.split(separator: ".").count == 4 {
            let (a, b) = (octets[0], octets[1])
            if a == 127 { return "\(host) is a loopback address" }
            if a == 10 || (a == 172 && (16...31).contains(b)) || (a == 192 && b == 168) { return "\(host) is a private address" }
            if a == 169 && b == 254 { return "\(host) is a link-local address" }
            if a == 100 && (64...127).contains(b) { return "\(host) is a carrier-grade NAT address" }
            if a == 0 { return "\(host) is not a routable address" }
            return nil
        }
        let bare = name.trimmingCharacters(in: ["[", "]"])
        if bare.contains(":") {
            if bare == "::1" { return "\(host) is a loopback address" }
            if bare.hasPrefix("fe80") { return "\(host) is a link-local address" }
            if bare.hasPrefix("fc") || bare.hasPrefix("fd") { return "\(host) is a private address" }
        }
        return nil
    }

    /// `host[:port]` → host and port (443 by default).
    static func split(_ hostAndPort: String) -> (String, Int) {
        if hostAndPort.hasPrefix("["), let close = hostAndPort.firstIndex(of: "]") {
            let host = String(hostAndPort[hostAndPort.index(after: hostAndPort.startIndex)..<close])
            let rest = hostAndPort[hostAndPort.index(after: close)...]
            return (host, rest.hasPrefix(":") ? Int(rest.dropFirst()) ?? 443 : 443)
        }
        if let colon = hostAndPort.lastIndex(of: ":"), let port = Int(hostAndPort[hostAndPort.index(after: colon)...]) {
            return (String(hostAndPort[..<colon]), port)
        }
        return (hostAndPort, 443)
    }

    /// An address without its port: `1.2.3.4`, `[::1]`.
    static func addressText(_ address: SocketAddress) -> String {
        let text = address.description
        guard let colon = text.lastIndex(of: ":") else { return text }
        return String(text[..<colon])
    }
}

/// Opens TCP + TLS once and reports whether the certificate was accepted.
private final class TLSProbe: ConnectionDelegate {
    var connection: Connection?
    private var report: ((NetError?) -> Void)?

    init(report: @escaping (NetError?) -> Void) { self.report = report }

    func connectionDidOpen(_ connection: Connection) {
        report?(nil)
        report = nil
        connection.close()
        self.connection = nil
    }

    func connection(_ connection: Connection, didRead bytes: UnsafeRawBufferPointer) {}

    func connection(_ connection: Connection, didCloseWith error: NetError?) {
        report?(error ?? NetError("\(connection.peer) closed the connection during the TLS handshake"))
        report = nil
        self.connection = nil
    }
}
