import HTTP
import Net
import NetTestSupport
import Testing
@testable import WebSocket

@Suite(.serialized) struct WSConnectionHardeningTests {
    /// Sends `frames` after the upgrade and returns the close code the server answered with,
    /// and how the server-side socket reported its end.
    static func exchange(options: WSConnection.Options, frames: [[UInt8]]) throws -> (code: UInt16?, reason: WSCloseReason?, released: Bool) {
        let loop = try EventLoop()
        let server = try HardeningServer(loop: loop, options: options)
        let start = loop.registeredCount
        let peer = ScriptedPeer(port: server.server.port, loop: loop, script: [.init(RawWS.upgrade)] + frames.map { .init(afterMs: 5, $0) })
        loop.run(until: { peer.closed }, timeoutMs: 3_000)
        peer.close()
        loop.run(until: { server.server.connectionCount == 0 }, timeoutMs: 1_000)
        return (RawWS.closeCode(peer.received), server.recorder.closeReason, loop.registeredCount == start)
    }

    static func protocolErrorCode(_ reason: WSCloseReason?) -> UInt16? {
        if case .protocolError(let code, _)? = reason { return code }
        return nil
    }

    @Test func server_closesWith1009_aFrameOverTheLimit_beforeItsPayloadArrives() throws {
        var options = WSConnection.Options()
        options.maxFrameSize = 1_000
        // Only the header of a 10 MB frame is sent: the limit is checked before any buffering.
        let header: [UInt8] = [0x82, 0xFF, 0, 0, 0, 0, 0, 0x98, 0x96, 0x80, 1, 2, 3, 4]
        let outcome = try Self.exchange(options: options, frames: [header])
        #expect(outcome.code == WSCloseCode.messageTooBig)
        #expect(Self.protocolErrorCode(outcome.reason) == 1009)
        #expect(outcome.released)
    }

    @Test func server_closesWith1009_aMessageOverTheLimitMadeOfSmallFragments() throws {
        var options = WSConnection.Options()
        options.maxFrameSize = 1_000
        options.maxMessageSize = 2_500
        let part = [UInt8](repeating: 0x42, count: 1_000)
        let outcome = try Self.exchange(options: options, frames: [
            RawWS.frame(.binary, part, fin: false), RawWS.frame(.continuation, part, fin: false), RawWS.frame(.continuation, part),
        ])
        #expect(outcome.code == WSCloseCode.messageTooBig)
        #expect(outcome.released)
    }

    @Test func server_closesWith1007_invalidUTF8() throws {
        let outcome = try Self.exchange(options: .init(), frames: [RawWS.frame(.text, [0x68, 0x69, 0xC0, 0xAF])])
        #expect(outcome.code == WSCloseCode.invalidPayloadData)
        #expect(Self.protocolErrorCode(outcome.reason) == 1007)
        #expect(outcome.released)
    }

    @Test func server_closesWith1002_anUnmaskedClientFrame() throws {
        let outcome = try Self.exchange(options: .init(), frames: [RawWS.frame(.text, Array("hi".utf8), masked: false)])
        #expect(outcome.code == WSCloseCode.protocolError)
        #expect(Self.protocolErrorCode(outcome.reason) == 1002)
        #expect(outcome.released)
    }

    @Test func server_failsTheConnection_whenThePeerStopsReading_andItsBufferStaysBounded() throws {
        let loop = try EventLoop()
        let limit = 256 << 10
        let server = try HardeningServer(loop: loop) { $0.connection.maxBufferedOutput = limit }
        let start = loop.registeredCount
        let client = try StalledClient(port: server.server.port)
        client.send(RawWS.upgrade)
        #expect(loop.run(until: { !server.accepted.isEmpty }, timeoutMs: 2_000))
        let socket = try #require(server.accepted.first)
        let message = [UInt8](repeating: 0x55, count: 16 << 10)
        var peak = 0, sent = 0
        var pump: (() -> Void)!
        pump = {
            guard socket.isOpen else { return }
            for _ in 0..<2 {  // 32 KB a millisecond: each burst alone is well under the bound
                socket.sendBinary(message)
                sent += message.count
                peak = max(peak, socket.bufferedOutputBytes)
            }
            loop.schedule(afterMs: 1, pump)
        }
        loop.schedule(afterMs: 1, pump)
        #expect(loop.run(until: { server.recorder.closeReason != nil }, timeoutMs: 10_000))
        pump = nil
        guard case .transport(let error)? = server.recorder.closeReason else {
            Issue.record("expected a transport failure, got \(String(describing: server.recorder.closeReason))")
            return
        }
        #expect(error.message.contains("is not reading"), "\(error.message)")
        #expect(peak <= limit, "queued \(peak) bytes; the bound is \(limit)")
        #expect(sent > limit, "the peer really stopped reading: \(sent) bytes were offered")
        loop.run(until: { server.server.connectionCount == 0 }, timeoutMs: 1_000)
        #expect(loop.registeredCount == start, "the descriptor was released")
        client.close()
    }

    @Test func server_givesUpOnAPeerThatNeverAnswersItsClose() throws {
        let loop = try EventLoop()
        var options = WSConnection.Options()
        options.closeTimeoutMs = 200
        let server = try HardeningServer(loop: loop, options: options)
        let start = loop.registeredCount
        let client = try StalledClient(port: server.server.port)
        client.send(RawWS.upgrade)
        #expect(loop.run(until: { !server.accepted.isEmpty }, timeoutMs: 2_000))
        let began = loop.now
        server.accepted[0].close(code: 1000, reason: "bye")
        #expect(loop.run(until: { server.recorder.closeReason != nil }, timeoutMs: 3_000))
        let took = loop.now - began
        guard case .closed(let code, _)? = server.recorder.closeReason else {
            Issue.record("expected a close, got \(String(describing: server.recorder.closeReason))")
            return
        }
        #expect(code == WSCloseCode.abnormalClosure, "no close frame came back: 1006")
        #expect(took >= 150 && took < 1_000, "gave up after \(took) ms; the timeout is 200 ms")
        loop.run(until: { server.server.connectionCount == 0 }, timeoutMs: 1_000)
        #expect(loop.registeredCount == start)
        client.close()
    }

    @Test func options_keepAliveIsOnForClientsAndOffForServersByDefault() throws {
        let loop = try EventLoop()
        let connection = Connection(accepted: -1, peer: SocketAddress(ipLiteral: "127.0.0.1", port: 1)!, loop: loop, tls: nil)
        let client = WSConnection(connection: connection, role: .client, phase: .open, options: .init())
        let server = WSConnection(connection: connection, role: .server, phase: .open, options: .init())
        #expect(client.pingIntervalMs == 15_000 && client.deadPeerTimeoutMs == 45_000)
        #expect(server.pingIntervalMs == 0 && server.deadPeerTimeoutMs == 0)
        var options = WSConnection.Options()
        options.pingIntervalMs = 0
        options.deadPeerTimeoutMs = 5_000
        let tuned = WSConnection(connection: connection, role: .client, phase: .open, options: options)
        #expect(tuned.pingIntervalMs == 0 && tuned.deadPeerTimeoutMs == 5_000)
    }

    @Test func client_pingsAQuietServer_andStaysOpenWhileItAnswers() throws {
        let loop = try EventLoop()
        let server = try HardeningServer(loop: loop)
        let client = WSRecorder()
        var options = WSConnection.Options()
        options.pingIntervalMs = 50
        options.deadPeerTimeoutMs = 200
        let url = try WSURL("ws://127.0.0.1:\(server.server.port)/ws")
        let socket = WSConnection.connect(to: url, headers: [], tls: nil, loop: loop, options: options, delegate: client)
        #expect(loop.run(until: { !server.accepted.isEmpty && client.opened }, timeoutMs: 2_000))
        let readAtOpen = server.accepted[0].connection.bytesRead
        loop.run(forMs: 700)
        #expect(socket.isOpen, "pongs count as life: \(String(describing: client.closeReason))")
        let pingBytes = server.accepted[0].connection.bytesRead - readAtOpen
        #expect(pingBytes >= 8 * 6, "about 14 pings of at least 6 bytes expected; the server read \(pingBytes) bytes")
        socket.close()
        loop.run(until: { client.closeReason != nil }, timeoutMs: 2_000)
    }

    @Test func client_failsTheConnection_whenTheServerGoesSilent() throws {
        let loop = try EventLoop()
        let server = try SilentWSServer(loop: loop)
        let client = WSRecorder()
        var options = WSConnection.Options()
        options.pingIntervalMs = 50
        options.deadPeerTimeoutMs = 250
        let url = try WSURL("ws://127.0.0.1:\(server.listener.port)/ws")
        _ = WSConnection.connect(to: url, headers: [], tls: nil, loop: loop, options: options, delegate: client)
        #expect(loop.run(until: { client.opened }, timeoutMs: 2_000))
        let opened = loop.now
        #expect(loop.run(until: { client.closeReason != nil }, timeoutMs: 3_000))
        let took = loop.now - opened
        guard case .transport(let error)? = client.closeReason else {
            Issue.record("expected a dead-peer failure, got \(String(describing: client.closeReason))")
            return
        }
        #expect(error.message.contains("dead-peer timeout 250 ms"), "\(error.message)")
        #expect(took >= 240 && took < 1_000, "declared dead after \(took) ms")
        #expect(server.pingsReceived >= 3, "it pinged before giving up (\(server.pingsReceived))")
    }
}
