import Foundation
import Glibc
import Testing
@testable import Net
import NetTestSupport

/// Records what a connection reports.
final class Recorder: ConnectionDelegate {
    var opened = false
    var received: [UInt8] = []
    var closes: [NetError?] = []
    var onOpen: ((Connection) -> Void)?
    var onRead: ((Connection, [UInt8]) -> Void)?
    var onClose: (() -> Void)?

    func connectionDidOpen(_ connection: Connection) {
        opened = true
        onOpen?(connection)
    }

    func connection(_ connection: Connection, didRead bytes: UnsafeRawBufferPointer) {
        received.append(contentsOf: bytes)
        onRead?(connection, Array(bytes))
    }

    func connection(_ connection: Connection, didCloseWith error: NetError?) {
        closes.append(error)
        onClose?()
    }
}

/// An echo server on loopback; keeps accepted connections alive.
final class EchoServer {
    let listener: TCPListener
    var connections: [Connection] = []
    let recorder = Recorder()

    init(loop: EventLoop, tls: TLSContext? = nil) throws {
        var accepted: [Connection] = []
        let recorder = self.recorder
        recorder.onRead = { connection, bytes in connection.write(bytes) }
        listener = try TCPListener(host: "127.0.0.1", port: 0, loop: loop) { fd, peer in
            let c = Connection(accepted: fd, peer: peer, loop: loop, tls: tls)
            c.delegate = recorder
            accepted.append(c)
            c.start()
        }
        _ = accepted
    }
}

@Suite(.serialized) struct ConnectionTests {
    @Test func tcp_echoesAndReleasesDescriptors() throws {
            let loop = try EventLoop()
            let server = try EchoServer(loop: loop)
            let registeredAtStart = loop.registeredCount
            let client = Recorder()
            let message = Array("hello over loopback".utf8)
            client.onOpen = { $0.write(message) }
            client.onRead = { connection, _ in
                if client.received.count >= message.count { connection.close() }
            }
            client.onClose = { loop.stop() }
            let connection = Connection.connect(host: "127.0.0.1", port: server.listener.port, tls: nil, loop: loop,
                                                timeoutMs: 2_000, delegate: client)
            let guardTimer = loop.schedule(afterMs: 5_000) { loop.stop() }
            loop.run()
            // Let the server side see the EOF and release its socket too.
            loop.schedule(afterMs: 50) { loop.stop() }
            loop.run()
            guardTimer.cancel()
            #expect(client.opened)
            #expect(client.received == message)
            #expect(client.closes.count == 1)
            #expect(client.closes.first! == nil)
            #expect(!connection.isOpen)
            #expect(connection.fd == -1)
            #expect(server.recorder.closes.count == 1, "the server side saw the close")
            #expect(loop.registeredCount == registeredAtStart, "every connection descriptor was deregistered")
            server.listener.close()
    }

    @Test func connect_refused_reportsErrno() throws {
        let loop = try EventLoop()
        // Bind then close to get a port nobody listens on.
        let probe = try TCPListener(host: "127.0.0.1", port: 0, loop: loop) { _, _ in }
        let port = probe.port
        probe.close()
        let client = Recorder()
        client.onClose = { loop.stop() }
        _ = Connection.connect(host: "127.0.0.1", port: port, tls: nil, loop: loop, timeoutMs: 2_000, delegate: client)
        loop.schedule(afterMs: 5_000) { loop.stop() }
        loop.run()
        let error = try #require(client.closes.first ?? nil)
        #expect(error.message.contains("Connection refused"))
        #expect(error.message.contains("127.0.0.1:\(port)"))
    }

    @Test func tls_echoesWithATrustedCertificate() throws {
        let certs = try TestCertificates.make(hosts: ["localhost"])
        let loop = try EventLoop()
        let serverTLS = try TLSContext.server(certificateFile: certs.certFile("localhost"), privateKeyFile: certs.keyFile("localhost"))
        let server = try EchoServer(loop: loop, tls: serverTLS)
        let client = Recorder()
        let message = Array(repeating: UInt8(0x5A), count: 200_000)  // larger than one TLS record and one read
        client.onOpen = { $0.write(message) }
        client.onRead = { connection, _ in
            if client.received.count >= message.count { connection.close() }
        }
        client.onClose = { loop.stop() }
        _ = Connection.connect(host: "localhost", port: server.listener.port, tls: try TLSContext.client(trusting: certs.caFile),
                               loop: loop, timeoutMs: 3_000, delegate: client)
        loop.schedule(afterMs: 10_000) { loop.stop() }
        loop.run()
        #expect(client.opened)
        #expect(client.received.count == message.count)
        #expect(client.received.allSatisfy { $0 == 0x5A })
        #expect(client.closes.count == 1)
    }

    @Test func tls_refusesAWrongHostCertificate_namingHostAndReason() throws {
        let certs = try TestCertificates.make(hosts: ["wrong.example"])
        let loop = try EventLoop()
        let serverTLS = try TLSContext.server(certificateFile: certs.certFile("wrong.example"), privateKeyFile: certs.keyFile("wrong.example"))
        let server = try EchoServer(loop: loop, tls: serverTLS)
        let client = Recorder()
        client.onClose = { loop.stop() }
        _ = Connection.connect(host: "localhost", port: server.listener.port, tls: try TLSContext.client(trusting: certs.caFile),
                               loop: loop, timeoutMs: 3_000, delegate: client)
        loop.schedule(afterMs: 10_000) { loop.stop() }
        loop.run()
        #expect(!client.opened)
        let error = try #require(client.closes.first ?? nil)
        #expect(error.message.contains("hostname mismatch"), "\(error.message)")
        #expect(error.message.contains("localhost"))
    }

    @Test func tls_refusesAnUntrustedCertificate() throws {
        let certs = try TestCertificates.make(hosts: ["localhost"])
        let other = try TestCertificates.make(hosts: [])
        let loop = try EventLoop()
        let serverTLS = try TLSContext.server(certificateFile: certs.certFile("localhost"), privateKeyFile: certs.keyFile("localhost"))
        let server = try EchoServer(loop: loop, tls: serverTLS)
        let client = Recorder()
        client.onClose = { loop.stop() }
        _ = Connection.connect(host: "localhost", port: server.listener.port, tls: try TLSContext.client(trusting: other.caFile),
                               loop: loop, timeoutMs: 3_000, delegate: client)
        loop.schedule(afterMs: 10_000) { loop.stop() }
        loop.run()
        let error = try #require(client.closes.first ?? nil)
        #expect(error.message.contains("refused"), "\(error.message)")
        #expect(error.message.contains("unable to get local issuer certificate"), "\(error.message)")
    }

    @Test func connect_timesOutAgainstAPeerThatNeverAnswersTLS() throws {
        let loop = try EventLoop()
        // A plain TCP listener that accepts and says nothing: the TLS handshake never completes.
        var silent: [Int32] = []
        let listener = try TCPListener(host: "127.0.0.1", port: 0, loop: loop) { fd, _ in silent.append(fd) }
        let client = Recorder()
        client.onClose = { loop.stop() }
        _ = Connection.connect(host: "127.0.0.1", port: listener.port, tls: try TLSContext.client(), loop: loop,
                               timeoutMs: 200, delegate: client)
        loop.schedule(afterMs: 5_000) { loop.stop() }
        loop.run()
        let error = try #require(client.closes.first ?? nil)
        #expect(error.message.contains("timed out"))
        for fd in silent { Glibc.close(fd) }
    }

    /// The output's room is kept and reused from one iteration to the next: messages queued by
    /// `write(_:)` and `write(count:_:)` in many iterations, empty ones and ones past the 4 KiB of
    /// zeros, all arrive whole and in order through an echo.
    @Test func output_reusesItsRoom_andKeepsEveryByteInOrder() throws {
        let loop = try EventLoop()
        let server = try EchoServer(loop: loop)
        var plan: [[[UInt8]]] = []
        for round in 0..<8 {
            let sizes = [0, 1, 300, 5_000, 17, round == 3 ? 300_000 : 64, 2]
            plan.append(sizes.enumerated().map { index, size in
                (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ round &* 7 &+ index) }
            })
        }
        let expected = plan.flatMap { $0.flatMap { $0 } }
        let client = Recorder()
        var queuedEmpty = 0
        func send(round: Int, on connection: Connection) {
            for (index, piece) in plan[round].enumerated() {
                if index % 2 == 0 {
                    connection.write(count: piece.count) { room in piece.withUnsafeBytes { room.copyMemory(from: $0) } }
                } else {
                    connection.write(piece)
                }
            }
            if round + 1 < plan.count {
                loop.schedule(afterMs: 2) {
                    if connection.bufferedOutputBytes == 0 { queuedEmpty += 1 }
                    send(round: round + 1, on: connection)
                }
            }
        }
        client.onOpen = { send(round: 0, on: $0) }
        client.onRead = { connection, _ in
            if client.received.count >= expected.count { connection.close() }
        }
        client.onClose = { loop.stop() }
        _ = Connection.connect(host: "127.0.0.1", port: server.listener.port, tls: nil, loop: loop,
                               timeoutMs: 2_000, delegate: client)
        let guardTimer = loop.schedule(afterMs: 10_000) { loop.stop() }
        loop.run()
        guardTimer.cancel()
        #expect(client.received.count == expected.count)
        #expect(client.received == expected)
        #expect(queuedEmpty > 0, "some rounds started on an emptied queue, whose room is reused")
        server.listener.close()
    }
}

/// Closing towards a peer that stopped reading: the queued output gets a deadline.
@Suite(.serialized) struct ConnectionCloseDeadlineTests {
    @Test func close_withOutputThePeerNeverReads_releasesTheDescriptorAfterTheDeadline() throws {
        let loop = try EventLoop()
        var accepted: Connection?
        let serverSide = Recorder()
        let listener = try TCPListener(host: "127.0.0.1", port: 0, loop: loop) { fd, peer in
            let connection = Connection(accepted: fd, peer: peer, loop: loop, tls: nil)
            connection.delegate = serverSide
            connection.closeTimeoutMs = 200
            accepted = connection
            connection.start()
        }
        let start = loop.registeredCount
        let client = try StalledClient(port: listener.port)
        #expect(loop.run(until: { accepted != nil }, timeoutMs: 2_000))
        let connection = try #require(accepted)
        // Far more than the socket buffers of a peer with a 4 KiB receive window take.
        for _ in 0..<48 { connection.write([UInt8](repeating: 7, count: 64 << 10)) }
        loop.run(forMs: 50)
        #expect(connection.bufferedOutputBytes > 0, "the peer is not reading, so output is queued")
        let closedAt = loop.now
        connection.close()
        #expect(loop.run(until: { !serverSide.closes.isEmpty }, timeoutMs: 3_000))
        let took = loop.now - closedAt
        let error = try #require(serverSide.closes.first ?? nil)
        #expect(error.message.contains("did not take the last"), "\(error.message)")
        #expect(took >= 150 && took < 1_000, "gave up after \(took) ms; the deadline is 200 ms")
        #expect(loop.registeredCount == start, "the descriptor was deregistered")
        #expect(connection.fd == -1)
        client.close()
        listener.close()
    }
}

/// Output the socket takes in parts: the queue moves down in its room once over 64 KiB are out.
@Suite(.serialized) struct ConnectionPartialOutputTests {
    @Test func output_takenInParts_arrivesWhole() throws {
        let loop = try EventLoop()
        var accepted: Connection?
        let listener = try TCPListener(host: "127.0.0.1", port: 0, loop: loop) { fd, peer in
            let connection = Connection(accepted: fd, peer: peer, loop: loop, tls: nil)
            connection.delegate = Recorder()
            accepted = connection
            connection.start()
        }
        let client = try StalledClient(port: listener.port)
        #expect(loop.run(until: { accepted != nil }, timeoutMs: 2_000))
        let connection = try #require(accepted)
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        func drain(until count: Int) {
            let deadline = loop.now + 10_000
            while received.count < count && loop.now < deadline {
                let n = buffer.withUnsafeMutableBytes { recv(client.fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
                if n > 0 { received.append(contentsOf: buffer[0..<n]) }
                loop.runOnce(maxWaitMs: n > 0 ? 0 : 5)
            }
        }
        var expected: [UInt8] = []
        var leftInParts = false
        var small: Int32 = 32 << 10  // a small send buffer: the kernel takes the output in parts
        setsockopt(connection.fd, SOL_SOCKET, SO_SNDBUF, &small, socklen_t(MemoryLayout<Int32>.size))
        for round in 0..<2 {
            for (index, size) in [1 << 20, 5_000, 0, 300, 700_000].enumerated() {
                let piece = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ round &* 5 &+ index) }
                if index % 2 == 0 {
                    connection.write(count: piece.count) { room in piece.withUnsafeBytes { room.copyMemory(from: $0) } }
                } else {
                    connection.write(piece)
                }
                expected += piece
            }
            connection.flush()  // now, to see what the socket takes of 1.7 MB
            leftInParts = leftInParts || connection.bufferedOutputBytes > 0
            drain(until: expected.count)
        }
        #expect(leftInParts, "the socket took the output in parts")
        #expect(received.count == expected.count)
        #expect(received == expected)
        #expect(connection.bufferedOutputBytes == 0)
        client.close()
        listener.close()
    }
}
