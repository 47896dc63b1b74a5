import CSSL
import Glibc

extension Connection {
    /// Creates the `SSL` object over the socket and drives the first handshake step.
    func beginTLS(asServer: Bool) throws {
        guard let context = tlsContext, let handle = SSL_new(context.ctx) else {
            throw TLSErrors.error("SSL_new")
        }
        ssl = handle
        SSL_set_fd(handle, fd)
        if asServer {
            SSL_set_accept_state(handle)
        } else {
            SSL_set_connect_state(handle)
            if let name = serverName {
                let bare = name.hasPrefix("[") ? String(name.dropFirst().dropLast()) : name
                if SocketAddress(ipLiteral: bare, port: 0) != nil {
                    // An IP literal: verify against IP SANs; SNI must not carry an address (RFC 6066 §3).
                    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(handle), bare)
                } else {
                    _ = vb_SSL_set_sni(handle, bare)
                    guard SSL_set1_host(handle, bare) == 1 else { throw TLSErrors.error("setting verified host \(bare)") }
                }
            }
        }
        state = .handshaking
        continueHandshake()
    }

    /// One non-blocking handshake step; on completion the connection opens.
    func continueHandshake() {
        guard let ssl else { return }
        ERR_clear_error()
        let rc = SSL_do_handshake(ssl)
        if rc == 1 {
            tlsWantsWritable = false
            becomeOpen()
            // With read-ahead the handshake's last read may have taken application data too
            // (TLS 1.3 peers send it right behind their Finished); the socket is then empty and
            // epoll would never report it.
            if state == .open, let ssl = self.ssl, SSL_has_pending(ssl) != 0 { readAvailable() }
            return
        }
        let code = SSL_get_error(ssl, rc)
        switch code {
        case SSL_ERROR_WANT_READ:
            tlsWantsWritable = false
            updateInterest()
        case SSL_ERROR_WANT_WRITE:
            tlsWantsWritable = true
            updateInterest()
        default:
            teardown(handshakeError(code))
        }
    }

    /// Names the host and the reason: a refused certificate says why (expired, hostname mismatch…).
    private func handshakeError(_ code: Int32) -> NetError {
        let verify = SSL_get_verify_result(ssl)
        if verify != X509_V_OK {
            _ = TLSErrors.drain()
            let reason = String(cString: X509_verify_cert_error_string(verify))
            return NetError("TLS: certificate of \(peer) refused: \(reason) (host=\(serverName ?? peer)); check the endpoint host, or SSL_CERT_FILE/SSL_CERT_DIR for a private CA")
        }
        let queue = TLSErrors.drain()
        if code == SSL_ERROR_SYSCALL && queue.isEmpty {
            let e = errno
            return NetError("TLS handshake with \(peer) failed: " + (e == 0 ? "connection closed by peer" : String(cString: strerror(e))))
        }
        return NetError("TLS handshake with \(peer) failed: \(queue.isEmpty ? "SSL error \(code)" : queue)")
    }

    /// -1 on a fatal error (after teardown), 0 when it would block, else bytes written.
    func tlsWrite(_ base: UnsafeRawPointer, _ count: Int) -> Int {
        guard let ssl else { return -1 }
        TLSErrors.clearStale()
        let n = SSL_write(ssl, base, Int32(clamping: count))
        if n > 0 { return Int(n) }
        let code = SSL_get_error(ssl, n)
        switch code {
        case SSL_ERROR_WANT_WRITE:
            return 0
        case SSL_ERROR_WANT_READ:
            return 0  // the read side will make progress; level-triggered readability retries us
        default:
            teardown(ioError("write to", code))
            return -1
        }
    }

    /// Bytes decrypted into `buffer`; 0 when no more are ready (or after teardown).
    func tlsRead(_ buffer: UnsafeMutableRawBufferPointer) -> Int {
        guard let ssl else { return 0 }
        TLSErrors.clearStale()
        let n = SSL_read(ssl, buffer.baseAddress, Int32(clamping: buffer.count))
        if n > 0 { return Int(n) }
        let code = SSL_get_error(ssl, n)
        switch code {
        case SSL_ERROR_WANT_READ:
            return 0
        case SSL_ERROR_WANT_WRITE:
            tlsWantsWritable = true
            updateInterest()
            return 0
        case SSL_ERROR_ZERO_RETURN:
            teardown(nil)  // close_notify: an orderly close
            return 0
        default:
            teardown(ioError("read from", code))
            return 0
        }
    }

    private func ioError(_ what: String, _ code: Int32) -> NetError {
        let queue = TLSErrors.drain()
        if code == SSL_ERROR_SYSCALL && queue.isEmpty {
            let e = errno
            return NetError("TLS \(what) \(peer): " + (e == 0 ? "connection closed without close_notify" : String(cString: strerror(e))))
        }
        return NetError("TLS \(what) \(peer) failed: \(queue.isEmpty ? "SSL error \(code)" : queue)")
    }
}
