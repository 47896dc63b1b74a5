import Testing
@testable import Net

/// A loopback proxy: answers the CONNECT head with `answer`, then echoes the tunnel's bytes.
final class LoopbackProxy {
    final class Head { var text = "" }
    let listener: TCPListener
    let recorder = Recorder()
    private let head = Head()
    var requestHead: String { head.text }

    init(loop: EventLoop, answer: String) throws {
        var bytesSoFar: [UInt8] = []
        var tunnelOpen = false
        let head = self.head
        recorder.onRead = { connection, bytes in
            if tunnelOpen { connection.write(bytes); return }
            bytesSoFar += bytes
            guard let end = Connection.headEnd(bytesSoFar) else { return }
            head.text = String(decoding: bytesSoFar[..<end], as: UTF8.self)
            connection.write(Array(answer.utf8))
            tunnelOpen = answer.hasPrefix("HTTP/1.1 200")
            if !tunnelOpen { connection.close() }
        }
        let recorder = self.recorder
        var accepted: [Connection] = []
        listener = try TCPListener(host: "127.0.0.1", port: 0, loop: loop) { fd, peer in
            let c = Connection(accepted: fd, peer: peer, loop: loop, tls: nil)
            c.delegate = recorder
            accepted.append(c)
            c.start()
        }
        _ = accepted
    }
}

@Suite(.serialized) struct ConnectionProxyTests {
    @Test func tunnel_carriesBytesAndNeverResolvesTheTargetLocally() throws {
        let loop = try EventLoop()
        let proxy = try LoopbackProxy(loop: loop, answer: "HTTP/1.1 200 Connection established\r\n\r\n")
        let client = Recorder()
        let message = Array("through the tunnel".utf8)
        client.onOpen = { $0.write(message) }
        client.onRead = { connection, _ in if client.received.count >= message.count { connection.close() } }
        client.onClose = { loop.stop() }
        // `.invalid` never resolves: only the proxy's address may be looked up here.
        let via = HTTPProxy(host: "127.0.0.1", port: proxy.listener.port, authorization: "Basic dTpw")
        _ = Connection.connect(host: "provider.invalid", port: 443, tls: nil, loop: loop, timeoutMs: 2_000,
                               proxy: via, delegate: client)
        let guardTimer = loop.schedule(afterMs: 5_000) { loop.stop() }
        loop.run()
        guardTimer.cancel()
        #expect(client.received == message)
        #expect(proxy.requestHead == "CONNECT provider.invalid:443 HTTP/1.1\r\nHost: provider.invalid:443\r\nProxy-Authorization: Basic dTpw\r\n\r\n")
        #expect(client.closes.count == 1 && client.closes.first! == nil)
        proxy.listener.close()
    }

    @Test func refusal_reportsTheStatusLineAndTheFix() throws {
        let loop = try EventLoop()
        let proxy = try LoopbackProxy(loop: loop, answer: "HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")
        let client = Recorder()
        client.onClose = { loop.stop() }
        _ = Connection.connect(host: "provider.invalid", port: 443, tls: nil, loop: loop, timeoutMs: 2_000,
                               proxy: HTTPProxy(host: "127.0.0.1", port: proxy.listener.port), delegate: client)
        let guardTimer = loop.schedule(afterMs: 5_000) { loop.stop() }
        loop.run()
        guardTimer.cancel()
        #expect(!client.opened)
        let message = client.closes.first??.message ?? ""
        #expect(message.contains("refused CONNECT provider.invalid:443: HTTP/1.1 407 Proxy Authentication Required"))
        #expect(message.contains("HTTPS_PROXY as http://user:password@host:port"))
        proxy.listener.close()
    }
}
