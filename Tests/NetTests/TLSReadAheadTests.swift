import CSSL
import Foundation
import Glibc
import Testing
@testable import Net

/// OpenSSL read-ahead takes everything the socket holds in one read(), so records can wait inside
/// OpenSSL while the socket is empty — where epoll never reports them. These run a blocking
/// OpenSSL client on its own thread against our TLS echo server.
@Suite(.serialized) struct TLSReadAheadTests {
    /// Connects with OpenSSL, writes `records` one SSL_write (one record) each as fast as it can,
    /// right behind the handshake, then reads back `expected` bytes. Returns what came back.
    static func burstClient(port: Int, caFile: String, records: [[UInt8]], expected: Int) -> [UInt8] {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0, let ctx = SSL_CTX_new(TLS_client_method()) else { return [] }
        defer { SSL_CTX_free(ctx) }
        SSL_CTX_load_verify_locations(ctx, caFile, nil)
        guard let ssl = SSL_new(ctx) else { return [] }
        defer { SSL_free(ssl) }
        SSL_set_fd(ssl, fd)
        guard SSL_connect(ssl) == 1 else { return [] }
        for record in records {
            guard record.withUnsafeBytes({ SSL_write(ssl, $0.baseAddress, Int32($0.count)) }) == Int32(record.count) else { return [] }
        }
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while received.count < expected {
            let n = chunk.withUnsafeMutableBytes { SSL_read(ssl, $0.baseAddress, Int32($0.count)) }
            guard n > 0 else { break }
            received += chunk[0..<Int(n)]
        }
        return received
    }

    @Test(arguments: [1, 300])
    func tls_deliversEveryRecord_ofABurstSentRightBehindTheHandshake(records count: Int) throws {
        signal(SIGPIPE, SIG_IGN)  // as the daemon does: TLS writes to a closed peer must not kill the process
        let certs = try TestCertificates.make(hosts: ["localhost"])
        let loop = try EventLoop()
        let serverTLS = try TLSContext.server(certificateFile: certs.certFile("localhost"), privateKeyFile: certs.keyFile("localhost"))
        let server = try EchoServer(loop: loop, tls: serverTLS)
        let records = (0..<count).map { Array("record \($0);".utf8) }
        let expected = records.flatMap { $0 }
        let port = server.listener.port
        let caFile = certs.caFile
        let echoed = LoopConfinedBytes()
        let handle = loop.handle
        Thread.detachNewThread {
            let received = Self.burstClient(port: port, caFile: caFile, records: records, expected: expected.count)
            handle.execute { loop in echoed.bytes = received; loop.stop() }
        }
        loop.schedule(afterMs: 15_000) { loop.stop() }
        loop.run()
        #expect(echoed.bytes.count == expected.count, "records stuck inside OpenSSL are never echoed")
        #expect(echoed.bytes.count != expected.count || echoed.bytes == expected, "the echo came back reordered or altered")
    }
}

/// Bytes handed from the client thread to the loop thread through `EventLoop.execute`.
final class LoopConfinedBytes: @unchecked Sendable {
    var bytes: [UInt8] = []
}
