import CSSL
import Foundation
import Glibc
import NetTestSupport
import Testing
@testable import Net

/// What our TLS refuses, and how it says so: every refusal names the peer and the reason, and
/// leaves OpenSSL's per-thread error queue empty (drained into the error, not left for the next
/// connection on this loop thread to misreport).
@Suite(.serialized) struct TLSRefusalTests {
    /// Connects a client trusting `caFile` to a TLS echo server using `cert`/`key`; returns the error.
    static func refusal(cert: String, key: String, caFile: String, host: String = "localhost") throws -> NetError? {
        let loop = try EventLoop()
        let server = try EchoServer(loop: loop, tls: try TLSContext.server(certificateFile: cert, privateKeyFile: key))
        let client = Recorder()
        _ = Connection.connect(host: host, port: server.listener.port, tls: try TLSContext.client(trusting: caFile),
                               loop: loop, timeoutMs: 3_000, delegate: client)
        loop.run(until: { !client.closes.isEmpty }, timeoutMs: 5_000)
        #expect(!client.opened)
        #expect(ERR_peek_error() == 0, "the OpenSSL error queue was drained")
        server.listener.close()
        return client.closes.first ?? nil
    }

    @Test func client_refusesAnExpiredCertificate_sayingItExpired() throws {
        let certs = try TestCertificates.make(hosts: [])
        let expired = try certs.makeExpired(host: "localhost")
        let error = try #require(try Self.refusal(cert: expired.cert, key: expired.key, caFile: certs.caFile))
        #expect(error.message.contains("certificate has expired"), "\(error.message)")
        #expect(error.message.contains("localhost"))
    }

    @Test func client_refusesASelfSignedCertificate_sayingItIsSelfSigned() throws {
        let certs = try TestCertificates.make(hosts: [])
        let selfSigned = try certs.makeSelfSigned(host: "localhost")
        let error = try #require(try Self.refusal(cert: selfSigned.cert, key: selfSigned.key, caFile: certs.caFile))
        #expect(error.message.contains("self-signed certificate") || error.message.contains("self signed certificate"), "\(error.message)")
        #expect(error.message.contains("refused"))
    }

    @Test func client_refusesAWrongHostCertificate_sayingHostnameMismatch() throws {
        let certs = try TestCertificates.make(hosts: ["wrong.example"])
        let error = try #require(try Self.refusal(cert: certs.certFile("wrong.example"), key: certs.keyFile("wrong.example"), caFile: certs.caFile))
        #expect(error.message.contains("hostname mismatch"), "\(error.message)")
        #expect(error.message.contains("host=localhost"))
    }

    @Test func context_loadErrorsCarryOpenSSLsReason_andEmptyTheQueue() throws {
        do {
            _ = try TLSContext.server(certificateFile: "/nonexistent/cert.pem", privateKeyFile: "/nonexistent/key.pem")
            Issue.record("a missing certificate file must throw")
        } catch let error as NetError {
            #expect(error.message.contains("TLS_CERT_FILE"), "\(error.message)")
            #expect(error.message.contains("No such file") || error.message.contains("system library"), "OpenSSL's reason: \(error.message)")
        }
        #expect(ERR_peek_error() == 0)
        let certs = try TestCertificates.make(hosts: ["a", "b"])
        do {
            _ = try TLSContext.server(certificateFile: certs.certFile("a"), privateKeyFile: certs.keyFile("b"))
            Issue.record("a key that does not match must throw")
        } catch let error as NetError {
            // OpenSSL 3 already refuses the key when loading it; 1.1 at the explicit check.
            #expect(error.message.contains("key values mismatch"), "OpenSSL's reason: \(error.message)")
            #expect(error.message.contains(certs.keyFile("b")))
        }
        #expect(ERR_peek_error() == 0)
    }

    /// A free loopback port (bound, then released).
    static func freePort() throws -> Int {
        let loop = try EventLoop()
        let probe = try TCPListener(host: "127.0.0.1", port: 0, loop: loop) { _, _ in }
        defer { probe.close() }
        return probe.port
    }

    @Test func client_refusesAServerThatOnlySpeaksTLS11() throws {
        let certs = try TestCertificates.make(hosts: ["localhost"])
        let port = try Self.freePort()
        // SECLEVEL=0: OpenSSL 3 would not offer TLS 1.1 at all otherwise.
        let server = try OpenSSLPeer(["s_server", "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0", "-accept", "127.0.0.1:\(port)",
                                      "-cert", certs.certFile("localhost"), "-key", certs.keyFile("localhost"), "-naccept", "1"])
        #expect(server.waitFor("ACCEPT", seconds: 5), "s_server did not start: \(server.printed)")
        let loop = try EventLoop()
        let client = Recorder()
        _ = Connection.connect(host: "localhost", port: port, tls: try TLSContext.client(trusting: certs.caFile),
                               loop: loop, timeoutMs: 3_000, delegate: client)
        loop.run(until: { !client.closes.isEmpty }, timeoutMs: 5_000)
        #expect(!client.opened, "a TLS 1.1 session must never open")
        let error = try #require(client.closes.first ?? nil)
        #expect(error.message.contains("TLS handshake with localhost:\(port) failed"), "\(error.message)")
        #expect(error.message.contains("alert protocol version"), "the server's alert, from the drained queue: \(error.message)")
        #expect(ERR_peek_error() == 0)
    }

    @Test func server_refusesAClientThatOnlySpeaksTLS11_namingTheProtocol() throws {
        let certs = try TestCertificates.make(hosts: ["localhost"])
        let loop = try EventLoop()
        let server = try EchoServer(loop: loop, tls: try TLSContext.server(certificateFile: certs.certFile("localhost"),
                                                                          privateKeyFile: certs.keyFile("localhost")))
        let port = server.listener.port
        let client = try OpenSSLPeer(["s_client", "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0", "-connect", "127.0.0.1:\(port)",
                                      "-CAfile", certs.caFile])
        loop.run(until: { !server.recorder.closes.isEmpty }, timeoutMs: 5_000)
        let error = try #require(server.recorder.closes.first ?? nil)
        #expect(error.message.contains("unsupported protocol"), "\(error.message)")
        #expect(client.waitFor("alert protocol version", seconds: 3), "s_client: \(client.printed)")
        #expect(ERR_peek_error() == 0)
        server.listener.close()
    }
}
