import Base64
import CSSL

/// `X-Twilio-Signature`: base64(HMAC-SHA1(Auth Token, URL + sorted POST parameters)), computed
/// exactly as the official SDKs do (PROTOCOLS.md §1; twilio-python `RequestValidator`).
///
/// Everything works on UTF-8 bytes, never on Swift `String` comparison: Swift compares strings
/// by canonical equivalence, while Twilio sorts and de-duplicates by code point, so "é" written
/// precomposed and decomposed must stay two different values here.
public enum TwilioSignature {
    /// The HMAC's hash. Auth Token signatures are SHA-1; SHA-256 is for SharedKey-signed
    /// webhooks (`X-Twilio-Webhooks-Signature-Settings`), which the bridge does not receive.
    public enum Algorithm: Sendable {
        /// HMAC-SHA1, the Auth Token scheme.
        case hmacSHA1
        /// HMAC-SHA256.
        case hmacSHA256
    }

    /// The bytes Twilio signs: `url`, then for each parameter name in code-point order, each of
    /// its distinct values in code-point order as `name + value` (twilio-python 9.x
    /// `compute_signature`: `sorted(set(params))`, then `sorted(set(values))`).
    public static func stringToSign(url: String, params: [(String, String)]) -> [UInt8] {
        Array(url.utf8) + sortedParameterBytes(params)
    }

    /// The parameter part of `stringToSign`, which is the same for every URL variant.
    public static func sortedParameterBytes(_ params: [(String, String)]) -> [UInt8] {
        // Sorting the distinct (name, value) pairs by name, then value, is the SDK's two sorts.
        var pairs = params.map { (Array($0.0.utf8), Array($0.1.utf8)) }
        pairs.sort { a, b in
            a.0 == b.0 ? a.1.lexicographicallyPrecedes(b.1) : a.0.lexicographicallyPrecedes(b.0)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(pairs.reduce(0) { $0 + $1.0.count + $1.1.count })
        var previous: ([UInt8], [UInt8])?
        for pair in pairs {
            if let previous, previous.0 == pair.0 && previous.1 == pair.1 { continue }  // a duplicate
            bytes += pair.0
            bytes += pair.1
            previous = pair
        }
        return bytes
    }

    /// The header value for a request to `url` with form `params` (empty for GET, WebSocket
    /// upgrades and JSON bodies, whose `url` carries `bodySHA256`).
    public static func compute(url: String, params: [(String, String)], authToken: String,
                               algorithm: Algorithm = .hmacSHA1) -> String {
        Base64.encode(hmac(key: Array(authToken.utf8), message: stringToSign(url: url, params: params), algorithm: algorithm))
    }

    /// The base64 HMAC of an already assembled string to sign.
    static func compute(message: [UInt8], key: [UInt8]) -> String {
        Base64.encode(hmac(key: key, message: message, algorithm: .hmacSHA1))
    }

    /// Lower-case hex SHA-256 of a raw body: the `bodySHA256` query value of JSON webhooks.
    public static func bodySHA256(_ body: [UInt8]) -> String {
        var digest = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        body.withUnsafeBufferPointer { input in
            digest.withUnsafeMutableBufferPointer { output in
                _ = SHA256(input.baseAddress, input.count, output.baseAddress)
            }
        }
        let hex = Array("0123456789abcdef".utf8)
        return String(decoding: digest.flatMap { [hex[Int($0 >> 4)], hex[Int($0 & 0x0F)]] }, as: UTF8.self)
    }

    /// The URLs a signature may have been computed over for a request to `url`, as the official
    /// validators try them: the URL without its port and with the scheme's port added
    /// (twilio-python `remove_port`/`add_port`; the Node and Java helpers do the same).
    ///
    /// The SDKs add `:443` only for `https` and `:80` for every other scheme, `wss` included;
    /// that variant is kept for compatibility, and `wss` also gets its real default, `:443`.
    public static func urlVariants(_ url: String) -> [String] {
        guard let split = URLAuthority(url) else { return [url] }
        var variants: [String] = []
        func add(_ candidate: String) { if !variants.contains(candidate) { variants.append(candidate) } }
        if split.port == nil {
            add(url)
            add(split.rebuilt(port: split.scheme == "https" ? "443" : "80"))
            if split.scheme == "wss" { add(split.rebuilt(port: "443")) }
        } else {
            add(split.rebuilt(port: nil))
            add(url)
        }
        return variants
    }

    /// Equality whose time does not depend on where the inputs differ (OpenSSL `CRYPTO_memcmp`).
    /// Lengths are compared first: a signature's length is public.
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        if a.isEmpty { return true }
        return a.withUnsafeBytes { x in b.withUnsafeBytes { y in CRYPTO_memcmp(x.baseAddress, y.baseAddress, a.count) == 0 } }
    }

    static func hmac(key: [UInt8], message: [UInt8], algorithm: Algorithm) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let md = algorithm == .hmacSHA1 ? EVP_sha1() : EVP_sha256()
        key.withUnsafeBufferPointer { k in
            message.withUnsafeBufferPointer { m in
                output.withUnsafeMutableBufferPointer { o in
                    _ = HMAC(md, k.baseAddress, Int32(k.count), m.baseAddress, m.count, o.baseAddress, &length)
                }
            }
        }
        return Array(output.prefix(Int(length)))
    }
}
