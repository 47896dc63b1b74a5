import Foundation
import Glibc
import Testing
@testable import Net
import NetTestSupport

/// `Connection.handOver(to:then:)`: an accepted connection moves to another loop's thread with
/// nothing lost or read twice, stays home when something of it is pending, and its release is
/// still told on the loop that counted it.
@Suite(.serialized) struct ConnectionHandOverTests {
    /// A loop on a thread of its own, and what the moved connection read there.
    final class OtherLoop: @unchecked Sendable {
        private let loop = LoopThread()
        private let lock = NSLock()
        private var bytes: [UInt8] = []
        private var readers: Set<UInt> = []

        var handle: LoopHandle { loop.handle }
        var threadID: UInt { loop.threadID }

        func record(_ read: UnsafeRawBufferPointer) {
            lock.withLock {
                bytes.append(contentsOf: read)
                readers.insert(UInt(pthread_self()))
            }
        }

        var received: [UInt8] { lock.withLock { bytes } }
        var readThreads: Set<UInt> { lock.withLock { readers } }
        func stop() { loop.stop() }
    }

    /// Echoes what it reads, prefixed, on the loop it runs on.
    final class Echo: ConnectionDelegate {
        let other: OtherLoop
        init(other: OtherLoop) { self.other = other }
        func connectionDidOpen(_ connection: Connection) {}
        func connection(_ connection: Connection, didRead bytes: UnsafeRawBufferPointer) {
            other.record(bytes)
            connection.write(Array("moved:".utf8) + Array(bytes))
        }
        func connection(_ connection: Connection, didCloseWith error: NetError?) {}
    }

    /// Reads until `first` arrived, then hands the connection over (or, with `pending`, first
    /// queues a reply so that it cannot move).
    final class FirstReader: ConnectionDelegate {
        var received: [UInt8] = []
        var adoptedOn: [String] = []
        let other: OtherLoop
        let queueReplyFirst: Bool
        var releasedOn: [String] = []
        init(other: OtherLoop, queueReplyFirst: Bool) {
            self.other = other
            self.queueReplyFirst = queueReplyFirst
        }
        func connectionDidOpen(_ connection: Connection) {}
        func connection(_ connection: Connection, didRead bytes: UnsafeRawBufferPointer) {
            received.append(contentsOf: bytes)
            guard received == Array("first".utf8) else { return }
            if queueReplyFirst { connection.write(Array("home:".utf8)) }
            let other = self.other
            connection.handOver(to: other.handle) { moved in
                moved.delegate = Echo(other: other)
            }
        }
        func connection(_ connection: Connection, didCloseWith error: NetError?) {}
    }

    static func accepting(on loop: EventLoop, reader: FirstReader, released: @escaping () -> Void) throws -> (TCPListener, () -> Connection?) {
        nonisolated(unsafe) var accepted: Connection?
        let listener = try TCPListener(host: "127.0.0.1", port: 0, loop: loop) { fd, peer in
            let connection = Connection(accepted: fd, peer: peer, loop: loop, tls: nil)
            connection.delegate = reader
            connection.onRelease(released)
            accepted = connection
            connection.start()
        }
        return (listener, { accepted })
    }

    @Test func anAcceptedConnection_movesToTheOtherLoop_andItsLaterBytesAreReadThereOnly() throws {
        let loop = try EventLoop()
        let other = OtherLoop()
        defer { other.stop() }
        let reader = FirstReader(other: other, queueReplyFirst: false)
        var releasedOnHome = 0
        let home = Thread.current
        let (listener, _) = try Self.accepting(on: loop, reader: reader) {
            #expect(Thread.current == home, "the release is told on the loop that counted the connection")
            releasedOnHome += 1
        }
        let client = Recorder()
        let connection = Connection.connect(host: "127.0.0.1", port: listener.port, tls: nil, loop: loop, timeoutMs: 2_000, delegate: client)
        client.onOpen = { $0.write(Array("first".utf8)) }
        #expect(loop.run(until: { reader.received.count == 5 }, timeoutMs: 3_000))
        loop.run(forMs: 50)  // the move happens after the events of that read
        connection.write(Array("second".utf8))
        #expect(loop.run(until: { client.received == Array("moved:second".utf8) }, timeoutMs: 3_000))
        #expect(reader.received == Array("first".utf8), "nothing after the move reached the old delegate")
        #expect(other.received == Array("second".utf8))
        #expect(other.readThreads == [other.threadID], "the moved connection is read on the other loop's thread only")
        connection.close()
        #expect(loop.run(until: { releasedOnHome == 1 }, timeoutMs: 3_000))
        listener.close()
    }

    @Test func aConnectionWithOutputPending_staysHome_andIsAdoptedThere() throws {
        let loop = try EventLoop()
        let other = OtherLoop()
        defer { other.stop() }
        let reader = FirstReader(other: other, queueReplyFirst: true)
        let (listener, accepted) = try Self.accepting(on: loop, reader: reader) {}
        let client = Recorder()
        let connection = Connection.connect(host: "127.0.0.1", port: listener.port, tls: nil, loop: loop, timeoutMs: 2_000, delegate: client)
        client.onOpen = { $0.write(Array("first".utf8)) }
        #expect(loop.run(until: { client.received == Array("home:".utf8) }, timeoutMs: 3_000))
        connection.write(Array("again".utf8))
        #expect(loop.run(until: { client.received == Array("home:moved:again".utf8) }, timeoutMs: 3_000))
        #expect(accepted()?.loop === loop, "a connection with a reply queued on its loop does not move")
        #expect(other.readThreads == [UInt(pthread_self())], "read on the home loop's thread")
        connection.close()
        listener.close()
    }
}
