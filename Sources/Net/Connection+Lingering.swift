import CSSL
import Glibc

extension Connection {
    /// Closes like `close()`, but after the queued output is sent, only half-closes (TLS
    /// close_notify, then a TCP FIN) and reads and discards what the peer still sends, until it
    /// closes too, `timeoutMs` passes, or a bounded amount has been drained.
    ///
    /// Use it after an HTTP error response sent while the request was still arriving: closing a
    /// socket with unread input makes the kernel send a reset, which can destroy the response
    /// before the client reads it (RFC 9112 §9.6; what servers call a "lingering close").
    public func lingeringClose(timeoutMs: Int64 = 2_000) {
        guard state != .closed, !lingering else { return }
        guard state == .open else { close(); return }
        lingerAfterFlushMs = timeoutMs
        if bufferedOutputBytes > 0 {
            closeWhenFlushed = true
            armCloseTimer()
            scheduleFlush()
        } else {
            beginLinger(timeoutMs: timeoutMs)
        }
    }

    /// The most input a lingering close discards before giving up on the peer: enough for a
    /// client that sends a whole refused upload before it reads the answer.
    static let maxLingerDrainBytes = 16 << 20

    func beginLinger(timeoutMs: Int64) {
        guard state == .open, !lingering else { return }
        lingering = true
        closeWhenFlushed = false
        if let ssl { SSL_shutdown(ssl) }
        Glibc.shutdown(fd, Int32(SHUT_WR))
        lingerTimer = loop.schedule(afterMs: timeoutMs) { [weak self] in self?.teardown(nil) }
        updateInterest()
        drainLingering()
    }

    /// Reads and drops input; the peer's EOF, an error or the drain bound ends the connection.
    /// After close_notify the bytes are not decrypted: they are only taken off the socket.
    func drainLingering() {
        let buffer = loop.readBuffer
        while state == .open {
            let n = recv(fd, buffer.baseAddress, buffer.count, 0)
            if n > 0 {
                lingerDrainedBytes += n
                if lingerDrainedBytes > Self.maxLingerDrainBytes { teardown(nil); return }
            } else if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                return
            } else {
                teardown(nil)
                return
            }
        }
    }
}
