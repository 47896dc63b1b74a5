import Foundation

extension TestCertificates {
    /// A certificate for `host`, signed by this CA, that expired a day ago
    /// (`-days -1`: its notAfter lies before its notBefore and before now).
    func makeExpired(host: String) throws -> (cert: String, key: String) {
        let base = directory + "/expired-\(host)"
        try Self.run(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=\(host)", "-keyout", base + ".key", "-out", base + ".csr"], in: directory)
        try "subjectAltName=DNS:\(host),IP:127.0.0.1\n".write(toFile: base + ".ext", atomically: true, encoding: .utf8)
        try Self.run(["x509", "-req", "-in", base + ".csr", "-CA", caFile, "-CAkey", directory + "/ca.key", "-CAcreateserial",
                      "-days", "-1", "-extfile", base + ".ext", "-out", base + ".pem"], in: directory)
        return (base + ".pem", base + ".key")
    }

    /// A self-signed certificate for `host` that no CA vouches for.
    func makeSelfSigned(host: String) throws -> (cert: String, key: String) {
        let base = directory + "/selfsigned-\(host)"
        try Self.run(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=\(host)",
                      "-addext", "subjectAltName=DNS:\(host),IP:127.0.0.1", "-keyout", base + ".key", "-out", base + ".pem"], in: directory)
        return (base + ".pem", base + ".key")
    }
}

/// `openssl s_server` or `s_client` as a peer that speaks only old TLS versions; stopped on deinit.
final class OpenSSLPeer {
    let process = Process()
    private let output = Pipe()
    private(set) var text = ""
    private let lock = NSLock()

    init(_ arguments: [String]) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = output
        process.standardInput = Pipe()
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.lock()
            self.text += String(decoding: data, as: UTF8.self)
            self.lock.unlock()
        }
        try process.run()
    }

    /// What it printed so far.
    var printed: String {
        lock.lock()
        defer { lock.unlock() }
        return text
    }

    /// Waits (blocking, off any loop) until `needle` was printed or `seconds` pass.
    func waitFor(_ needle: String, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if printed.contains(needle) { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return printed.contains(needle)
    }

    deinit {
        output.fileHandleForReading.readabilityHandler = nil
        if process.isRunning { process.terminate() }
    }
}
