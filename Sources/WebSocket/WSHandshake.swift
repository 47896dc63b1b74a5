import Base64
import CSSL
import HTTP

/// The WebSocket opening handshake (RFC 6455 §4): both the server's checks of a client's upgrade
/// request and the client's request and checks of the server's answer. No extension and no
/// subprotocol is ever offered or accepted unless asked for.
public enum WSHandshake {
    /// The GUID appended to the key before hashing (RFC 6455 §1.3).
    public static let guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// `Sec-WebSocket-Accept` for a key: base64(SHA-1(key + GUID)) (RFC 6455 §4.2.2 step 5.4).
    public static func acceptValue(forKey key: String) -> String {
        let input = Array((key + guid).utf8)
        var digest = [UInt8](repeating: 0, count: Int(SHA_DIGEST_LENGTH))
        _ = input.withUnsafeBufferPointer { bytes in
            digest.withUnsafeMutableBufferPointer { output in
                SHA1(bytes.baseAddress, bytes.count, output.baseAddress)
            }
        }
        return Base64.encode(digest)
    }

    /// Checks a client's opening handshake (RFC 6455 §4.2.1) and returns its `Sec-WebSocket-Key`.
    ///
    /// - Throws: `WSHandshakeError` whose `response` is what to answer: 405 for a method other
    ///   than GET, 426 with `Sec-WebSocket-Version: 13` for another version, 400 otherwise.
    public static func validateClientRequest(_ head: HTTPRequestHead) throws(WSHandshakeError) -> String {
        let headers = head.headers
        // §4.2.1 (1): "An HTTP/1.1 or higher GET request, including a "Request-URI"".
        guard head.method == "GET" else {
            throw WSHandshakeError(status: 405, reason: "WebSocket upgrade must use GET, not \(head.method)", headers: ["Allow": "GET"])
        }
        guard head.version.isAtLeastHTTP11 else {
            throw WSHandshakeError(status: 400, reason: "WebSocket upgrade requires HTTP/1.1 or higher, got \(head.version)")
        }
        // §4.2.1 (2): "A |Host| header field containing the server's authority."
        guard let host = headers["Host"], !host.isEmpty else {
            throw WSHandshakeError(status: 400, reason: "WebSocket upgrade request has no Host header")
        }
        // §4.2.1 (3): "An |Upgrade| header field containing the value "websocket", treated as an
        // ASCII case-insensitive value."
        guard headers.contains("Upgrade", token: "websocket") else {
            throw WSHandshakeError(status: 400, reason: "not a WebSocket upgrade: the Upgrade header does not name websocket")
        }
        // §4.2.1 (4): "A |Connection| header field that includes the token "Upgrade", treated as
        // an ASCII case-insensitive value."
        guard headers.contains("Connection", token: "upgrade") else {
            throw WSHandshakeError(status: 400, reason: "the Connection header does not include Upgrade (a proxy may have dropped it)")
        }
        // §4.2.1 (5): "A |Sec-WebSocket-Key| header field with a base64-encoded value that, when
        // decoded, is 16 bytes in length."
        let keys = headers.values("Sec-WebSocket-Key")
        guard keys.count == 1, let key = keys.first, Base64.decode(key)?.count == 16 else {
            throw WSHandshakeError(status: 400, reason: "Sec-WebSocket-Key must be one base64 value of 16 bytes")
        }
        // §4.2.1 (6): "A |Sec-WebSocket-Version| header field, with a value of 13." §4.4: a server
        // that does not speak the client's version answers with the versions it does speak.
        guard headers.values("Sec-WebSocket-Version") == ["13"] else {
            throw WSHandshakeError(status: 426, reason: "unsupported Sec-WebSocket-Version '\(headers["Sec-WebSocket-Version"] ?? "")'; only 13 is spoken", headers: ["Sec-WebSocket-Version": "13"])
        }
        return key
    }

    /// The server's 101 answer (RFC 6455 §4.2.2 step 5) for a validated key. No
    /// `Sec-WebSocket-Extensions` is sent, so no extension is in use (and RSV bits stay zero).
    public static func serverResponse(key: String, extraHeaders: HTTPHeaders = .init()) -> HTTPResponse {
        var headers: HTTPHeaders = [
            "Upgrade": "websocket",
            "Connection": "Upgrade",
            "Sec-WebSocket-Accept": acceptValue(forKey: key),
        ]
        for (name, value) in extraHeaders { headers.add(name, value) }
        return HTTPResponse(status: 101, headers: headers)
    }
}

/// A refused WebSocket opening handshake.
///
/// On the server side (`WSHandshake.validateClientRequest`), `status` and `headers` are the HTTP
/// response to send before closing: 400, 405 (with `Allow: GET`), or 426 with
/// `Sec-WebSocket-Version: 13`. On the client side (`WSHandshake.validateServerResponse`),
/// `status` is what the server answered (101 when its 101 failed a check) and `headers` are its
/// response headers; read the response body for the server's explanation.
public struct WSHandshakeError: Error, Equatable, CustomStringConvertible {
    /// The HTTP status to answer (server side) or that was answered (client side).
    public let status: Int
    /// What was wrong and what to do next, for logs.
    public let reason: String
    /// Headers for the error response (server side) or the server's headers (client side).
    public let headers: HTTPHeaders

    /// Creates an error.
    public init(status: Int, reason: String, headers: HTTPHeaders = .init()) {
        self.status = status
        self.reason = reason
        self.headers = headers
    }

    /// `WebSocket handshake failed (HTTP <status>): <reason>`.
    public var description: String {
        "WebSocket handshake failed (HTTP \(status)): \(reason)"
    }

    /// The response a server sends for this error; close the connection after it.
    public var response: HTTPResponse {
        var response = HTTPResponse.text(status, reason + "\n")
        for (name, value) in headers { response.headers.add(name, value) }
        return response
    }
}
