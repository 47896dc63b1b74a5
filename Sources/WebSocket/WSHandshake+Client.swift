import Base64
import HTTP

extension WSHandshake {
    /// A fresh `Sec-WebSocket-Key`: 16 random bytes, base64 (RFC 6455 §4.1: "randomly selected").
    public static func generateKey() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Base64.encode(bytes)
    }

    /// The client's opening handshake request (RFC 6455 §4.1) as wire bytes.
    ///
    /// `Host` carries the port only when it differs from `defaultPort`, and an IPv6 literal gets
    /// its brackets. No `Sec-WebSocket-Extensions` is offered. `extraHeaders` (e.g.
    /// `Authorization`) follow the standard ones; CR, LF and NUL are removed from them so a value
    /// from configuration cannot inject header lines.
    public static func clientRequest(host: String, port: Int, defaultPort: Int, target: String, key: String, extraHeaders: [(String, String)]) -> [UInt8] {
        let bracketedHost = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        let authority = port == defaultPort ? bracketedHost : "\(bracketedHost):\(port)"
        var text = "GET \(target.isEmpty ? "/" : target) HTTP/1.1\r\n"
        text += "Host: \(authority)\r\n"
        text += "Upgrade: websocket\r\n"
        text += "Connection: Upgrade\r\n"
        text += "Sec-WebSocket-Key: \(key)\r\n"
        text += "Sec-WebSocket-Version: 13\r\n"
        for (name, value) in extraHeaders {
            text += "\(headerSafe(name)): \(headerSafe(value))\r\n"
        }
        text += "\r\n"
        return Array(text.utf8)
    }

    /// The client's opening handshake request for `url`; see the other overload.
    public static func clientRequest(url: WSURL, key: String, extraHeaders: [(String, String)]) -> [UInt8] {
        clientRequest(host: url.host, port: url.port, defaultPort: url.defaultPort, target: url.target, key: key, extraHeaders: extraHeaders)
    }

    /// Checks the server's answer to our handshake (RFC 6455 §4.1, the client's checks).
    ///
    /// - Parameter offeredProtocols: the subprotocols we listed in `Sec-WebSocket-Protocol`, if any;
    ///   the server may pick one of them and nothing else.
    /// - Throws: `WSHandshakeError` carrying the server's status and headers.
    public static func validateServerResponse(_ head: HTTPResponseHead, key: String, offeredProtocols: [String] = []) throws(WSHandshakeError) {
        func failure(_ reason: String) -> WSHandshakeError {
            WSHandshakeError(status: head.status, reason: reason, headers: head.headers)
        }
        let headers = head.headers
        // "If the status code received from the server is not 101, the client handles the response
        // per HTTP [RFC2616] procedures."
        guard head.status == 101 else {
            throw failure("the server answered HTTP \(head.status) \(head.reason) instead of 101 Switching Protocols; check the URL and credentials, and read the response body")
        }
        // "If the response lacks an |Upgrade| header field or the |Upgrade| header field contains a
        // value that is not an ASCII case-insensitive match for the value "websocket", the client
        // MUST _Fail the WebSocket Connection_."
        guard headers.contains("Upgrade", token: "websocket") else {
            throw failure("the 101 response has no 'Upgrade: websocket' header")
        }
        // "If the response lacks a |Connection| header field or the |Connection| header field
        // doesn't contain a token that is an ASCII case-insensitive match for the value "Upgrade",
        // the client MUST _Fail the WebSocket Connection_."
        guard headers.contains("Connection", token: "upgrade") else {
            throw failure("the 101 response has no 'Connection: Upgrade' header")
        }
        // "If the response lacks a |Sec-WebSocket-Accept| header field or the
        // |Sec-WebSocket-Accept| contains a value other than the base64-encoded SHA-1 of the
        // concatenation of the |Sec-WebSocket-Key| (as a string, not base64-decoded) with the
        // string "258EAFA5-E914-47DA-95CA-C5AB0DC85B11" ..."
        let expected = acceptValue(forKey: key)
        guard headers.values("Sec-WebSocket-Accept") == [expected] else {
            throw failure("Sec-WebSocket-Accept is '\(headers["Sec-WebSocket-Accept"] ?? "")', expected '\(expected)' (a proxy answered, or the server is broken)")
        }
        // "If the response includes a |Sec-WebSocket-Extensions| header field and this header
        // field indicates the use of an extension that was not present in the client's handshake"
        // (we never offer one).
        let extensions = headers.values("Sec-WebSocket-Extensions").filter { !$0.isEmpty }
        guard extensions.isEmpty else {
            throw failure("the server enabled extension '\(extensions.joined(separator: ", "))' that was not offered")
        }
        // "If the response includes a |Sec-WebSocket-Protocol| header field and this header field
        // indicates the use of a subprotocol that was not present in the client's handshake"
        let protocols = headers.values("Sec-WebSocket-Protocol")
        if !protocols.isEmpty {
            guard protocols.count == 1, offeredProtocols.contains(protocols[0]) else {
                throw failure("the server selected subprotocol '\(protocols.joined(separator: ", "))' that was not offered")
            }
        }
    }

    private static func headerSafe(_ text: String) -> String {
        var scalars = String.UnicodeScalarView()
        scalars.append(contentsOf: text.unicodeScalars.filter { $0 != "\r" && $0 != "\n" && $0 != "\0" })
        return String(scalars)
    }
}
