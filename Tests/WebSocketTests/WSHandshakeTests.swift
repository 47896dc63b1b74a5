import HTTP
import Testing
import WebSocket

@Suite("WSHandshake")
struct WSHandshakeTests {
    /// RFC 6455 §1.2's sample client handshake.
    static let rfcRequest = "GET /chat HTTP/1.1\r\nHost: server.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: http://example.com\r\nSec-WebSocket-Version: 13\r\n\r\n"

    static func head(_ text: String) throws -> HTTPRequestHead {
        var parser = HTTPRequestParser()
        parser.append(Array(text.utf8))
        return try #require(try parser.next()).head
    }

    static func status(replacing old: String, with new: String) throws -> Int? {
        let head = try head(rfcRequest.replacingOccurrences(old, new))
        do {
            _ = try WSHandshake.validateClientRequest(head)
            return nil
        } catch {
            return error.status
        }
    }

    @Test func handshake_computesRFCAcceptValue() {
        #expect(WSHandshake.acceptValue(forKey: "dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }

    @Test func handshake_acceptsRFCRequestAndAnswers101() throws {
        let key = try WSHandshake.validateClientRequest(try Self.head(Self.rfcRequest))
        #expect(key == "dGhlIHNhbXBsZSBub25jZQ==")
        let bytes = WSHandshake.serverResponse(key: key).serialized(keepAlive: true)
        #expect(String(decoding: bytes, as: UTF8.self)
            == "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n")
    }

    @Test func handshake_acceptsCaseInsensitiveTokensInLists() throws {
        let text = Self.rfcRequest.replacingOccurrences("Upgrade: websocket", "Upgrade: WebSocket")
            .replacingOccurrences("Connection: Upgrade", "Connection: keep-alive, upgrade")
        #expect(try WSHandshake.validateClientRequest(try Self.head(text)) == "dGhlIHNhbXBsZSBub25jZQ==")
    }

    @Test func handshake_refusesEachBrokenRule() throws {
        #expect(try Self.status(replacing: "GET /chat", with: "POST /chat") == 405)
        #expect(try Self.status(replacing: "HTTP/1.1\r\nHost: server.example.com", with: "HTTP/1.0\r\nHost: server.example.com") == 400)
        #expect(try Self.status(replacing: "Upgrade: websocket", with: "Upgrade: h2c") == 400)
        #expect(try Self.status(replacing: "Connection: Upgrade", with: "Connection: keep-alive") == 400)
        #expect(try Self.status(replacing: "dGhlIHNhbXBsZSBub25jZQ==", with: "dGhlIHNhbXBsZQ==") == 400)
        #expect(try Self.status(replacing: "dGhlIHNhbXBsZSBub25jZQ==", with: "not base64!") == 400)
        #expect(try Self.status(replacing: "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n", with: "") == 400)
        #expect(try Self.status(replacing: "Sec-WebSocket-Version: 13", with: "Sec-WebSocket-Version: 8") == 426)
    }

    @Test func handshake_refusesRequestWithoutHost() throws {
        let head = HTTPRequestHead(method: "GET", target: "/", headers: ["Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version": "13"])
        #expect(throws: WSHandshakeError.self) { try WSHandshake.validateClientRequest(head) }
    }

    @Test func handshake_versionErrorAdvertisesVersion13() throws {
        let head = try Self.head(Self.rfcRequest.replacingOccurrences("Sec-WebSocket-Version: 13", "Sec-WebSocket-Version: 7"))
        do {
            _ = try WSHandshake.validateClientRequest(head)
            Issue.record("version 7 was accepted")
        } catch {
            #expect(error.response.status == 426)
            #expect(error.response.headers["Sec-WebSocket-Version"] == "13")
        }
    }

    @Test func handshake_buildsClientRequest() {
        let bytes = WSHandshake.clientRequest(host: "api.openai.com", port: 443, defaultPort: 443, target: "/v1/realtime?model=gpt-realtime", key: "dGhlIHNhbXBsZSBub25jZQ==", extraHeaders: [("Authorization", "Bearer sk-test\r\nX-Injected: 1")])
        #expect(String(decoding: bytes, as: UTF8.self) == "GET /v1/realtime?model=gpt-realtime HTTP/1.1\r\nHost: api.openai.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer sk-testX-Injected: 1\r\n\r\n")
    }

    @Test func handshake_clientRequestIsAcceptedByServerValidation() throws {
        let url = try WSURL("ws://[::1]:8080/media")
        let key = WSHandshake.generateKey()
        var parser = HTTPRequestParser()
        parser.append(WSHandshake.clientRequest(url: url, key: key, extraHeaders: []))
        let head = try #require(try parser.next()).head
        #expect(head.headers["Host"] == "[::1]:8080")
        #expect(try WSHandshake.validateClientRequest(head) == key)
    }

    @Test func handshake_generatesDistinct16ByteKeys() {
        let first = WSHandshake.generateKey()
        #expect(first.count == 24 && first.hasSuffix("=="))
        #expect(first != WSHandshake.generateKey())
    }

    @Test func handshake_clientAcceptsMatchingServerResponse() throws {
        let head = HTTPResponseHead(status: 101, reason: "Switching Protocols", headers: ["Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Accept": "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="])
        try WSHandshake.validateServerResponse(head, key: "dGhlIHNhbXBsZSBub25jZQ==")
    }

    @Test func handshake_clientRefusesBadServerResponses() {
        let key = "dGhlIHNhbXBsZSBub25jZQ=="
        let good: HTTPHeaders = ["Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Accept": "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="]
        func refused(_ status: Int, _ headers: HTTPHeaders) -> WSHandshakeError? {
            do {
                try WSHandshake.validateServerResponse(HTTPResponseHead(status: status, reason: "", headers: headers), key: key)
                return nil
            } catch {
                return error
            }
        }
        #expect(refused(401, ["WWW-Authenticate": "Bearer"])?.status == 401)
        var noUpgrade = good; noUpgrade.remove("Upgrade")
        #expect(refused(101, noUpgrade) != nil)
        var noConnection = good; noConnection.replaceOrAdd("Connection", "keep-alive")
        #expect(refused(101, noConnection) != nil)
        var wrongAccept = good; wrongAccept.replaceOrAdd("Sec-WebSocket-Accept", "AAAAAAAAAAAAAAAAAAAAAAAAAAA=")
        #expect(refused(101, wrongAccept) != nil)
        var deflate = good; deflate.add("Sec-WebSocket-Extensions", "permessage-deflate")
        #expect(refused(101, deflate) != nil)
        var subprotocol = good; subprotocol.add("Sec-WebSocket-Protocol", "chat")
        #expect(refused(101, subprotocol) != nil)
        #expect(throws: Never.self) {
            try WSHandshake.validateServerResponse(HTTPResponseHead(status: 101, reason: "", headers: subprotocol), key: key, offeredProtocols: ["chat"])
        }
    }
}

extension String {
    /// Replaces every occurrence of `target` (tests only; keeps Foundation out of the test target).
    func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        var result = ""
        var rest = self[...]
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
