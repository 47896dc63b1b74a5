import Foundation

/// A throw-away CA and server certificates made with the `openssl` CLI, as a real deployment's
/// PEM files would be.
struct TestCertificates {
    let directory: String
    var caFile: String { directory + "/ca.pem" }
    func certFile(_ name: String) -> String { directory + "/\(name).pem" }
    func keyFile(_ name: String) -> String { directory + "/\(name).key" }

    /// Creates a CA and a certificate for each host name in `hosts` (SAN DNS:host, IP:127.0.0.1).
    static func make(hosts: [String]) throws -> TestCertificates {
        let dir = NSTemporaryDirectory() + "vb-net-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try run(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=voice-bridge test CA",
                 "-keyout", dir + "/ca.key", "-out", dir + "/ca.pem"], in: dir)
        for host in hosts {
            try run(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=\(host)",
                     "-keyout", dir + "/\(host).key", "-out", dir + "/\(host).csr"], in: dir)
            try "subjectAltName=DNS:\(host),IP:127.0.0.1\n".write(toFile: dir + "/\(host).ext", atomically: true, encoding: .utf8)
            try run(["x509", "-req", "-in", dir + "/\(host).csr", "-CA", dir + "/ca.pem", "-CAkey", dir + "/ca.key",
                     "-CAcreateserial", "-days", "2", "-extfile", dir + "/\(host).ext", "-out", dir + "/\(host).pem"], in: dir)
        }
        return TestCertificates(directory: dir)
    }

    static func run(_ args: [String], in dir: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw NSError(domain: "openssl", code: Int(p.terminationStatus),
                          userInfo: [NSLocalizedDescriptionKey: "openssl \(args.joined(separator: " ")) failed"])
        }
    }
}
