import Foundation
import Net
import HTTP

extension WSConnection {
    /// Opens a client WebSocket to `url` with `headers` (e.g. `Authorization`), over TLS for `wss`,
    /// through `proxy`'s CONNECT tunnel when given.
    /// The whole opening (DNS, TCP, TLS, HTTP upgrade) must finish within `timeoutMs`.
    /// A refused upgrade reports the HTTP status and the start of the body.
    public static func connect(to url: WSURL, headers: [(String, String)], tls: TLSContext?,
                               loop: EventLoop, options: Options = Options(), timeoutMs: Int64 = 10_000,
                               proxy: HTTPProxy? = nil, delegate: WSConnectionDelegate) -> WSConnection {
        let transport = Connection.connect(host: url.host, port: url.port, tls: url.isSecure ? tls : nil,
                                           loop: loop, timeoutMs: timeoutMs, proxy: proxy)
        let socket = WSConnection(connection: transport, role: .client, phase: .handshaking, options: options)
        socket.delegate = delegate
        socket.label = "\(url.host):\(url.port)"
        socket.handshakeKey = WSHandshake.generateKey()
        socket.handshakeRequest = WSHandshake.clientRequest(
            host: url.host, port: url.port, defaultPort: url.isSecure ? 443 : 80, target: url.target,
            key: socket.handshakeKey, extraHeaders: headers)
        transport.delegate = socket
        socket.handshakeTimer = loop.schedule(afterMs: timeoutMs) { [weak socket] in
            guard let socket, socket.phase == .handshaking else { return }
            socket.connection.abort(NetError("timed out waiting for the WebSocket upgrade from \(socket.label) after \(timeoutMs) ms"))
        }
        if url.isSecure && tls == nil {
            transport.abort(NetError("wss:// needs a TLS context"))
        }
        return socket
    }

    /// Reads the server's answer to our upgrade request.
    func readHandshakeAnswer(_ bytes: UnsafeRawBufferPointer) {
        responseParser.append(bytes)
        do {
            if refusedHead == nil {
                guard let head = try responseParser.nextHead() else { return }
                guard head.status == 101 else {
                    refusedHead = head
                    readRefusalBody()
                    return
                }
                try WSHandshake.validateServerResponse(head, key: handshakeKey)
                handshakeTimer?.cancel()
                handshakeTimer = nil
                phase = .open
                let leftover = responseParser.takeBufferedBytes()
                delegate?.webSocketDidOpen(self)
                if !leftover.isEmpty && phase == .open {
                    leftover.withUnsafeBytes { parser.append($0) }
                    drainFrames()
                }
            } else {
                readRefusalBody()
            }
        } catch {
            finish(.handshakeInvalid(String(describing: error)))
            connection.close()
        }
    }

    private func readRefusalBody() {
        guard let head = refusedHead else { return }
        do {
            if let body = try responseParser.nextBody() {
                finish(.handshakeRefused(status: head.status, body: Self.printable(body)))
                connection.close()
            }
        } catch {
            finish(.handshakeRefused(status: head.status, body: ""))
            connection.close()
        }
    }

    /// The reason to report when the transport closed before the handshake completed.
    func handshakeEndedByClose(_ error: NetError?) -> WSCloseReason {
        if let head = refusedHead {
            return .handshakeRefused(status: head.status, body: Self.printable(responseParser.finish()))
        }
        if let error { return .transport(error) }
        return .transport(NetError("\(label) closed the connection before answering the WebSocket upgrade"))
    }

    /// The first 2 KiB of a body as one printable line, for logs.
    static func printable(_ body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(2048), as: UTF8.self)
        return text.split(whereSeparator: \.isNewline).joined(separator: " ").trimmingCharacters(in: .whitespaces)
    }
}
