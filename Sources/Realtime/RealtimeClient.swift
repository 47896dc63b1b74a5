import JSON
import Net
import WebSocket

/// Why a provider session ended.
public enum RealtimeCloseReason: CustomStringConvertible {
    /// The provider answered the WebSocket upgrade with an HTTP error (bad key, unknown deployment…).
    case refused(status: Int, body: String)
    /// The provider closed the session with a close frame.
    case closed(code: UInt16?, reason: String)
    /// The connection failed: DNS, TCP, TLS (certificate refused…), timeout, reset, protocol error.
    case failed(String)
    /// We closed it (the call ended).
    case closedByUs

    public var description: String {
        switch self {
        case .refused(let status, let body): return "refused with HTTP \(status): \(body)"
        case .closed(let code, let reason): return "closed by provider with code \(code.map(String.init) ?? "none")" + (reason.isEmpty ? "" : ": \(reason)")
        case .failed(let why): return why
        case .closedByUs: return "closed by the bridge"
        }
    }
}

/// Receives a provider session's events on the loop thread.
public protocol RealtimeClientDelegate: AnyObject {
    /// The session is connected; client events may be sent.
    func realtimeDidOpen(_ client: RealtimeClient)
    /// One server event (JSON text). The buffer is valid only during the call.
    func realtime(_ client: RealtimeClient, didReceive event: UnsafeRawBufferPointer)
    /// The session ended; called exactly once.
    func realtime(_ client: RealtimeClient, didCloseWith reason: RealtimeCloseReason)
}

/// A session with a realtime speech model: a WebSocket to OpenAI/Azure, or the built-in local
/// provider in-process. Both exchange the same JSON event texts, so the call session above runs
/// one code path whichever provider answers.
public final class RealtimeClient {
    /// The endpoint this session talks to.
    public let endpoint: RealtimeEndpoint
    /// Receives events.
    public weak var delegate: RealtimeClientDelegate?
    private let loop: EventLoop
    private var socket: WSConnection?
    private var local: LocalSpeechService?
    private var ended = false
    private var opened = false
    private let startedAtMs: Int64
    /// Milliseconds from `connect` to the session being open (DNS, TCP, TLS, upgrade); nil
    /// until then. Measured here, so a pre-warmed session reports its real handshake.
    public private(set) var handshakeMs: Int64?

    private init(endpoint: RealtimeEndpoint, loop: EventLoop) {
        self.endpoint = endpoint
        self.loop = loop
        self.startedAtMs = loop.currentTimeMs()
    }

    /// Opens a session. Network providers must finish DNS, TCP, TLS and the upgrade within `timeoutMs`.
    public static func connect(_ endpoint: RealtimeEndpoint, loop: EventLoop, tls: TLSContext?,
                               timeoutMs: Int64, delegate: RealtimeClientDelegate) -> RealtimeClient {
        let client = RealtimeClient(endpoint: endpoint, loop: loop)
        client.delegate = delegate
        if endpoint.provider == "local" {
            let provider: LocalSpeechService = endpoint.api == .live ? LiveLocalProvider()
                : RealtimeLocalProvider(toolCalls: endpoint.localToolCalls)
            client.local = provider
            loop.afterCurrentEvents { [weak client] in
                guard let client, !client.ended else { return }
                client.opened = true
                client.handshakeMs = loop.currentTimeMs() - client.startedAtMs
                client.delegate?.realtimeDidOpen(client)
                client.deliverLocal(provider.start())
            }
            return client
        }
        do {
            let url = try WSURL(endpoint.url)
            var options = WSConnection.Options()
            options.maxMessageSize = 8 << 20  // session.created echoes long instructions and tools
            options.maxFrameSize = 8 << 20
            client.socket = WSConnection.connect(to: url, headers: endpoint.headers, tls: tls, loop: loop,
                                                 options: options, timeoutMs: timeoutMs, proxy: endpoint.proxy,
                                                 delegate: client.bridge)
        } catch {
            loop.afterCurrentEvents { [weak client] in
                client?.finish(.failed("invalid realtime URL \(endpoint.url): \(error)"))
            }
        }
        return client
    }

    /// Whether events can be sent now.
    public var isOpen: Bool { opened && !ended }

    /// Sends one client event (JSON text).
    public func send(_ event: String) {
        guard isOpen else { return }
        if let local {
            let replies = local.receive(event)
            if !replies.isEmpty {
                loop.afterCurrentEvents { [weak self] in self?.deliverLocal(replies) }
            }
        } else {
            socket?.sendText(event)
        }
    }

    /// Sends one client event given as a splice (the per-frame `input_audio_buffer.append`):
    /// framed straight into the socket's output, without a `String`.
    public func send(_ event: JSONSplice) {
        guard isOpen else { return }
        if local != nil {
            send(event.string)
        } else {
            socket?.sendText(count: event.count) { event.write(into: $0) }
        }
    }

    /// Ends the session (close frame 1000 for a network provider).
    public func close() {
        guard !ended else { return }
        socket?.close(code: 1000, reason: "call ended")
        finish(.closedByUs)
    }

    /// Bytes waiting to be sent to the provider.
    public var bufferedOutputBytes: Int { socket?.bufferedOutputBytes ?? 0 }

    private func deliverLocal(_ events: [String]) {
        for event in events {
            guard !ended else { return }
            var text = event
            text.withUTF8 { delegate?.realtime(self, didReceive: UnsafeRawBufferPointer($0)) }
        }
    }

    fileprivate func finish(_ reason: RealtimeCloseReason) {
        guard !ended else { return }
        ended = true
        delegate?.realtime(self, didCloseWith: reason)
    }

    fileprivate func didOpen() {
        opened = true
        handshakeMs = loop.currentTimeMs() - startedAtMs
        delegate?.realtimeDidOpen(self)
    }

    fileprivate func received(_ text: UnsafeRawBufferPointer) {
        guard !ended else { return }
        delegate?.realtime(self, didReceive: text)
    }

    /// Adapts WebSocket events without exposing the delegate conformance publicly.
    private lazy var bridge = SocketBridge(owner: self)

    private final class SocketBridge: WSConnectionDelegate {
        unowned let owner: RealtimeClient
        init(owner: RealtimeClient) { self.owner = owner }

        func webSocketDidOpen(_ socket: WSConnection) { owner.didOpen() }

        func webSocket(_ socket: WSConnection, didReceiveText text: UnsafeRawBufferPointer) {
            owner.received(text)
        }

        func webSocket(_ socket: WSConnection, didReceiveBinary data: UnsafeRawBufferPointer) {}

        func webSocket(_ socket: WSConnection, didCloseWith reason: WSCloseReason) {
            switch reason {
            case .handshakeRefused(let status, let body): owner.finish(.refused(status: status, body: body))
            case .closed(let code, let why): owner.finish(.closed(code: code, reason: why))
            case .transport(let error): owner.finish(.failed(error.message))
            case .handshakeInvalid(let why): owner.finish(.failed("invalid WebSocket handshake answer: \(why)"))
            case .protocolError(let code, let why): owner.finish(.failed("WebSocket protocol error \(code): \(why)"))
            }
        }
    }
}

/// A built-in provider that stands in for the service's socket: it takes client events as text
/// and returns the server events they cause (`RealtimeLocalProvider`, `LiveLocalProvider`).
public protocol LocalSpeechService: AnyObject {
    /// The events the server sends as soon as the socket opens.
    func start() -> [String]
    /// The server events one client event (JSON text) causes, in order.
    func receive(_ text: String) -> [String]
}
