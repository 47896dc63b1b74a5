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
