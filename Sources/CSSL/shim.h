// Small C shims over OpenSSL for what Swift cannot import (function-like macros, variadic calls).
#ifndef VOICE_BRIDGE_CSSL_SHIM_H
#define VOICE_BRIDGE_CSSL_SHIM_H

#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <openssl/sha.h>
#include <openssl/hmac.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>

/// SSL_set_tlsext_host_name is a macro over SSL_ctrl.
static inline int vb_SSL_set_sni(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}

/// SSL_CTX_set_min_proto_version is a macro over SSL_CTX_ctrl.
static inline int vb_SSL_CTX_set_min_tls12(SSL_CTX *ctx) {
    return (int)SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
}

/// SSL_CTX_set_mode and SSL_CTX_set_read_ahead are macros. Partial writes and moving buffers
/// suit a non-blocking loop. Read-ahead: one read() takes whatever the socket holds, instead of
/// one for each record's 5-byte header and another for its body (a system call less per audio
/// chunk; the caller checks SSL_has_pending, which covers read-ahead data). Buffers are kept
/// between records (no SSL_MODE_RELEASE_BUFFERS): freeing and re-allocating ~17 kB twice per
/// chunk cost more than the ~34 kB per provider socket it saves (README "Performance").
static inline long vb_SSL_CTX_set_nonblocking_modes(SSL_CTX *ctx) {
    SSL_CTX_set_read_ahead(ctx, 1);
    return SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
}

/// SSL_CTX_set_options is a function in 3.x but a macro in older headers.
static inline void vb_SSL_CTX_no_renegotiation(SSL_CTX *ctx) {
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
}

#endif
