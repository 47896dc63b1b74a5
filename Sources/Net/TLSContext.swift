import CSSL
import Glibc

/// An OpenSSL `SSL_CTX` owner: client contexts verify the peer against the system store
/// (OpenSSL honours `SSL_CERT_FILE` / `SSL_CERT_DIR`, which is how tests trust a test CA);
/// server contexts carry a certificate and key. TLS 1.2 is the minimum either way.
public final class TLSContext {
    let ctx: OpaquePointer
    /// Whether this context terminates TLS as a server.
    public let isServer: Bool

    private init(ctx: OpaquePointer, isServer: Bool) {
        self.ctx = ctx
        self.isServer = isServer
    }

    deinit { SSL_CTX_free(ctx) }

    /// A client context with peer verification against the default trust store, or only against
    /// the PEM certificates in `caFile` when given.
    public static func client(trusting caFile: String? = nil) throws -> TLSContext {
        guard let ctx = SSL_CTX_new(TLS_client_method()) else {
            throw TLSErrors.error("SSL_CTX_new (client)")
        }
        let context = TLSContext(ctx: ctx, isServer: false)
        try context.applyCommonSettings()
        if let caFile {
            guard SSL_CTX_load_verify_locations(ctx, caFile, nil) == 1 else {
                throw TLSErrors.error("loading CA certificates from \(caFile)")
            }
        } else if SSL_CTX_set_default_verify_paths(ctx) != 1 {
            throw TLSErrors.error("loading the system certificate store")
        }
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nil)
        return context
    }

    /// A server context from PEM files (certificate chain and private key).
    public static func server(certificateFile: String, privateKeyFile: String) throws -> TLSContext {
        guard let ctx = SSL_CTX_new(TLS_server_method()) else {
            throw TLSErrors.error("SSL_CTX_new (server)")
        }
        let context = TLSContext(ctx: ctx, isServer: true)
        try context.applyCommonSettings()
        guard SSL_CTX_use_certificate_chain_file(ctx, certificateFile) == 1 else {
            throw TLSErrors.error("loading TLS certificate \(certificateFile) (check TLS_CERT_FILE is a PEM chain)")
        }
        guard SSL_CTX_use_PrivateKey_file(ctx, privateKeyFile, SSL_FILETYPE_PEM) == 1 else {
            throw TLSErrors.error("loading TLS key \(privateKeyFile) (check TLS_KEY_FILE is a PEM key)")
        }
        guard SSL_CTX_check_private_key(ctx) == 1 else {
            throw TLSErrors.error("TLS key \(privateKeyFile) does not match certificate \(certificateFile)")
        }
        return context
    }

    private func applyCommonSettings() throws {
        guard vb_SSL_CTX_set_min_tls12(ctx) == 1 else { throw TLSErrors.error("setting TLS 1.2 minimum") }
        _ = vb_SSL_CTX_set_nonblocking_modes(ctx)
        vb_SSL_CTX_no_renegotiation(ctx)
    }
}

/// Drains OpenSSL's thread-local error queue into readable text.
enum TLSErrors {
    /// Every queued OpenSSL error, joined; empties the queue.
    static func drain() -> String {
        var parts: [String] = []
        var buffer = [CChar](repeating: 0, count: 256)
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            ERR_error_string_n(code, &buffer, buffer.count)
            parts.append(String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return parts.joined(separator: "; ")
    }

    /// Empties the thread's error queue if anything is in it, before an `SSL_read`/`SSL_write`
    /// whose failure `SSL_get_error` will classify: it reads the queue, so a stale entry would turn
    /// a harmless `WANT_READ` into a fatal `SSL_ERROR_SSL` (OpenSSL: "the current thread's error
    /// queue must be empty before the TLS/SSL I/O operation is attempted"). `ERR_peek_error` is
    /// the test `SSL_get_error` itself makes; `ERR_clear_error` resets all 16 slots whether used
    /// or not, ~800 instructions, and ran twice per audio frame with an empty queue.
    @inline(__always)
    static func clearStale() {
        if ERR_peek_error() != 0 { ERR_clear_error() }
    }

    /// A `NetError` for `what`, carrying the drained error queue.
    static func error(_ what: String) -> NetError {
        let queue = drain()
        return NetError(queue.isEmpty ? "TLS: \(what) failed" : "TLS: \(what) failed: \(queue)")
    }
}
