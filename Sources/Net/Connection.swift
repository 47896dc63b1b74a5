import CSSL
import Glibc

/// A non-blocking TCP connection, optionally TLS, confined to one `EventLoop`.
///
/// Writes are buffered and flushed once per loop iteration, so several messages produced while
/// handling one event leave in one `write`/`SSL_write`. The output buffer is bounded: a peer that
/// stops reading gets the connection closed with an error instead of growing memory.
public final class Connection: AfterEventsTask {
    enum State { case resolving, connecting, tunneling, handshaking, open, closed }

    /// The loop this connection lives on (another one only after `handOver(to:then:)`).
    public internal(set) var loop: EventLoop
    /// Receives open/read/close events. Held strongly until the close is reported: an open
    /// connection keeps its protocol handler alive (e.g. to finish a WebSocket close handshake
    /// after the call that owned it has ended), and the loop keeps the open connection alive.
    public var delegate: ConnectionDelegate?
    /// A short label of the peer for logs (`host:port`).
    public private(set) var peer: String
    /// Beyond this many unsent bytes the connection is failed (the peer is not reading).
    public var maxBufferedOutput = 4 << 20
    /// How long `close()` waits for queued output to leave before it drops it and closes anyway,
    /// in milliseconds: a peer that stopped reading must not hold the descriptor forever.
    public var closeTimeoutMs: Int64 = 10_000
    /// Total bytes read and written, for metrics.
    public private(set) var bytesRead = 0, bytesWritten = 0

    var state: State
    var fd: Int32 = -1
    var ssl: OpaquePointer?
    let tlsContext: TLSContext?
    var serverName: String?
    /// The queued output is `output[outputStart..<outputEnd]`. The array's own count is only the
    /// room (grown with zeros when a message needs more, kept when the queue empties), so queuing a
    /// frame and emptying the queue cost no `Array` append or removal on the audio path.
    var output: [UInt8] = []
    var outputStart = 0
    var outputEnd = 0
    var flushScheduled = false
    var closeWhenFlushed = false
    /// Set by `lingeringClose`: once the output is flushed, half-close and drain instead of closing.
    var lingerAfterFlushMs: Int64?
    /// True while draining input after a half-close (see `Connection+Lingering.swift`).
    var lingering = false
    var lingerTimer: LoopTimer?
    var closeTimer: LoopTimer?
    var lingerDrainedBytes = 0
    var releaseHandlers: [() -> Void] = []
    var registered = false
    var interest: EventLoop.Events = []
    var tlsWantsWritable = false
    var connectTimer: LoopTimer?
    var candidates: [SocketAddress] = []
    var lastConnectError: NetError?
    var portForErrors = 0
    /// The proxy CONNECT exchange still to run before TLS (Connection+Proxy.swift).
    var proxyTunnel: ProxyTunnel?

    init(loop: EventLoop, state: State, tls: TLSContext?, peer: String) {
        self.loop = loop
        self.state = state
        self.tlsContext = tls
        self.peer = peer
    }

    /// Wraps a freshly accepted socket. Call `start()` once the delegate is set.
    public convenience init(accepted fd: Int32, peer: SocketAddress, loop: EventLoop, tls: TLSContext?) {
        self.init(loop: loop, state: tls == nil ? .open : .handshaking, tls: tls, peer: peer.description)
        self.fd = fd
        Sockets.setNoDelay(fd)
    }

    /// Starts watching an accepted socket (and starts the server TLS handshake if any).
    public func start() {
        guard fd >= 0, !registered, watchAccepted() else { return }
        if tlsContext != nil {
            do { try beginTLS(asServer: true) } catch let e as NetError { teardown(e) } catch {}
        } else {
            delegate?.connectionDidOpen(self)
        }
    }

    /// Registers the accepted socket on its loop for reading; false (after a teardown) when it
    /// could not be.
    func watchAccepted() -> Bool {
        do {
            try loop.register(fd: fd, interest: .readable) { events in self.handle(events) }
        } catch let error as NetError {
            teardown(error)
            return false
        } catch {
            teardown(NetError("could not watch \(peer): \(error)"))
            return false
        }
        loop.setLabel("accepted from " + peer, for: fd)
        registered = true
        interest = .readable
        return true
    }

    /// Whether the connection can still carry data.
    public var isOpen: Bool { state == .open }

    /// Bytes queued but not yet accepted by the kernel (or TLS).
    public var bufferedOutputBytes: Int { outputEnd - outputStart }

    // MARK: Writing

    /// Queues `bytes`; they leave at the end of the current loop iteration.
    public func write(_ bytes: UnsafeRawBufferPointer) {
        guard state != .closed, !closeWhenFlushed else { return }
        if let source = bytes.baseAddress, bytes.count > 0 {
            let at = reserveOutput(bytes.count)
            output.withUnsafeMutableBytes { raw in (raw.baseAddress! + at).copyMemory(from: source, byteCount: bytes.count) }
        }
        afterQueue()
    }

    /// Queues `bytes`; they leave at the end of the current loop iteration.
    public func write(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { write($0) }
    }

    func afterQueue() {
        if bufferedOutputBytes > maxBufferedOutput {
            teardown(NetError("\(peer) is not reading: more than \(maxBufferedOutput) bytes waiting to be sent"))
            return
        }
        scheduleFlush()
    }

    func scheduleFlush() {
        guard !flushScheduled, state == .open else { return }
        flushScheduled = true
        loop.afterCurrentEvents(self)
    }

    /// The scheduled flush (the loop holds this connection until it has run).
    public func runAfterCurrentEvents() {
        flushScheduled = false
        flush()
    }

    /// Writes as much queued output as the socket takes now; arms write readiness for the rest.
    func flush() {
        guard state == .open else { return }
        while outputStart < outputEnd {
            let written: Int = output.withUnsafeBytes { raw in
                let base = raw.baseAddress! + outputStart
                let count = outputEnd - outputStart
                return ssl == nil ? plainWrite(base, count) : tlsWrite(base, count)
            }
            if written > 0 {
                outputStart += written
                bytesWritten += written
            } else if written == 0 {
                break  // would block: wait for writability
            } else {
                return  // failed; teardown already ran
            }
        }
        if outputStart == outputEnd {
            if output.capacity > 256 * 1024 { output = [] }  // a burst's room is not kept
            outputStart = 0
            outputEnd = 0
            if closeWhenFlushed {
                if let ms = lingerAfterFlushMs { beginLinger(timeoutMs: ms) } else { finishClose() }
                return
            }
        } else if outputStart > 64 * 1024 {
            let pending = outputEnd - outputStart, start = outputStart
            output.withUnsafeMutableBytes { raw in raw.baseAddress!.copyMemory(from: raw.baseAddress! + start, byteCount: pending) }  // a memmove
            outputStart = 0
            outputEnd = pending
        }
        updateInterest()
    }

    /// -1 on a fatal error (after teardown), 0 when the socket would block, else bytes written.
    private func plainWrite(_ base: UnsafeRawPointer, _ count: Int) -> Int {
        let n = send(fd, base, count, Int32(MSG_NOSIGNAL))
        if n >= 0 { return n }
        if errno == EAGAIN || errno == EWOULDBLOCK { return 0 }
        if errno == EINTR { return 0 }
        teardown(NetError.syscall("write to \(peer)"))
        return -1
    }

    // MARK: Closing

    /// Closes after the queued output is sent (with a TLS close_notify). Idempotent.
    public func close() {
        guard state != .closed else { return }
        if state == .open && bufferedOutputBytes > 0 {
            closeWhenFlushed = true
            armCloseTimer()
            scheduleFlush()
        } else {
            finishClose()
        }
    }

    /// Bounds the wait for queued output at `closeTimeoutMs`; then the output is dropped.
    func armCloseTimer() {
        guard closeTimer == nil else { return }
        closeTimer = loop.schedule(afterMs: closeTimeoutMs) { [weak self] in
            guard let self, self.state != .closed, !self.lingering else { return }
            self.teardown(NetError("\(self.peer) did not take the last \(self.bufferedOutputBytes) bytes within \(self.closeTimeoutMs) ms of the close; dropped them"))
        }
    }

    /// Closes at once, dropping queued output, and reports `error` to the delegate.
    public func abort(_ error: NetError) { teardown(error) }

    /// Runs `body` once when the descriptor is released (orderly close, abort or failure), before
    /// the delegate hears of it. It survives delegate changes, so a server can count connections
    /// it has handed over to another protocol (an upgraded WebSocket) until they really end.
    public func onRelease(_ body: @escaping () -> Void) {
        if state == .closed { body() } else { releaseHandlers.append(body) }
    }

    func finishClose() {
        if let ssl, state == .open { SSL_shutdown(ssl) }
        teardown(nil)
    }

    /// Releases the descriptor and TLS state; tells the delegate once, after the current events.
    func teardown(_ error: NetError?) {
        guard state != .closed else { return }
        state = .closed
        connectTimer?.cancel()
        connectTimer = nil
        lingerTimer?.cancel()
        lingerTimer = nil
        closeTimer?.cancel()
        closeTimer = nil
        if registered { loop.deregister(fd: fd); registered = false }
        if let ssl { SSL_free(ssl); self.ssl = nil }
        if fd >= 0 { Glibc.close(fd); fd = -1 }
        output = []
        outputStart = 0
        outputEnd = 0
        let handlers = releaseHandlers
        releaseHandlers = []
        for handler in handlers { handler() }
        loop.afterCurrentEvents { [self] in
            let delegate = self.delegate
            self.delegate = nil  // breaks the connection ↔ handler cycle
            delegate?.connection(self, didCloseWith: error)
        }
    }

    // MARK: Readiness

    func updateInterest() {
        guard registered else { return }
        var wanted: EventLoop.Events = .readable
        if !lingering && (state == .connecting || tlsWantsWritable || (state == .open && outputStart < outputEnd)) {
            wanted.insert(.writable)
        }
        if wanted != interest {
            interest = wanted
            loop.modify(fd: fd, interest: wanted)
        }
    }

    func handle(_ events: EventLoop.Events) {
        switch state {
        case .connecting:
            connectReady()
        case .tunneling:
            continueTunnel()
        case .handshaking:
            continueHandshake()
        case .open where lingering:
            drainLingering()
        case .open:
            if events.contains(.writable) || tlsWantsWritable {
                tlsWantsWritable = false
                flush()
            }
            if state == .open && (events.contains(.readable) || events.contains(.failed)) {
                readAvailable()
            }
        case .resolving, .closed:
            break
        }
    }

    func readAvailable() {
        let buffer = loop.readBuffer
        // A few socket reads per wake-up keeps one busy peer from starving the others
        // (level-triggered epoll reports what is left). Records already inside OpenSSL are always
        // decrypted: with read-ahead the socket may be empty, and epoll would not report them.
        var socketReads = 0, records = 0
        while state == .open && registered {  // not registered: being handed over to another loop
            let n: Int
            if ssl != nil {
                n = tlsRead(buffer)
            } else {
                let r = recv(fd, buffer.baseAddress, buffer.count, 0)
                if r > 0 {
                    n = r
                } else if r == 0 {
                    teardown(nil)
                    return
                } else if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR {
                    return
                } else {
                    teardown(NetError.syscall("read from \(peer)"))
                    return
                }
            }
            if n <= 0 { return }
            bytesRead += n
            delegate?.connection(self, didRead: UnsafeRawBufferPointer(start: buffer.baseAddress, count: n))
            records += 1
            if let ssl, state == .open, SSL_has_pending(ssl) != 0 {
                // Decrypting what OpenSSL holds (one record per SSL_read) costs no system call.
                if records < 64 { continue }
                // A peer that keeps the buffer full: let the other descriptors of this batch run
                // first, then come back (epoll does not report data already inside OpenSSL).
                loop.afterCurrentEvents { [weak self] in
                    guard let self, !self.lingering, self.registered else { return }
                    self.readAvailable()
                }
                return
            }
            // A short read drained the socket: saves a read (or SSL_read) that would only say EAGAIN.
            socketReads += 1
            if n < buffer.count || socketReads == 4 { return }
        }
    }
}
