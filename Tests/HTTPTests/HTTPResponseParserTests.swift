import Testing
import HTTP

@Suite("HTTPResponseParser")
struct HTTPResponseParserTests {
    @Test func responseParser_readsContentLengthBody() throws {
        var parser = HTTPResponseParser()
        parser.append(Array("HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{\"error\":".utf8))
        let head = try #require(try parser.nextHead())
        #expect(head.status == 401)
        #expect(head.reason == "Unauthorized")
        #expect(head.version == .http1_1)
        #expect(head.headers["content-type"] == "application/json")
        #expect(try parser.nextBody() == nil)
        parser.append(Array("true}".utf8))
        #expect(try parser.nextBody() == Array("{\"error\":true}".utf8.prefix(13)))
        #expect(!parser.bodyWasTruncated)
    }

    @Test func responseParser_decodesChunkedBody() throws {
        var parser = HTTPResponseParser()
        let text = "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n7\r\nnot fou\r\n2;x=y\r\nnd\r\n0\r\n\r\n"
        for byte in text.utf8 {
            parser.append([byte])
            _ = try parser.nextHead()
        }
        #expect(try parser.nextBody() == Array("not found".utf8))
    }

    @Test func responseParser_readsUntilCloseWhenUnframed() throws {
        var parser = HTTPResponseParser()
        parser.append(Array("HTTP/1.0 500 Internal Server Error\r\nServer: x\r\n\r\npart one, ".utf8))
        #expect(try parser.nextHead()?.status == 500)
        #expect(try parser.nextBody() == nil)
        parser.append(Array("part two".utf8))
        #expect(try parser.nextBody() == nil)
        #expect(parser.finish() == Array("part one, part two".utf8))
    }

    @Test func responseParser_hands101TrailingBytesToWebSocket() throws {
        var parser = HTTPResponseParser()
        let frame: [UInt8] = [0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f]
        parser.append(Array("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n".utf8) + frame)
        let head = try #require(try parser.nextHead())
        #expect(head.status == 101)
        #expect(head.headers["Sec-WebSocket-Accept"] == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        #expect(try parser.nextBody() == [])
        #expect(parser.takeBufferedBytes() == frame)
    }

    @Test func responseParser_findsHeadTerminatorSplitAcrossAppends() throws {
        var parser = HTTPResponseParser()
        parser.append(Array("HTTP/1.1 204 No Content\r\nX: y\r\n\r".utf8))
        #expect(try parser.nextHead() == nil)
        parser.append(Array("\n".utf8))
        #expect(try parser.nextHead()?.status == 204)
        #expect(try parser.nextBody() == [])
    }

    @Test func responseParser_skipsInterimResponses() throws {
        var parser = HTTPResponseParser()
        parser.append(Array("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".utf8))
        #expect(try parser.nextHead()?.status == 200)
        #expect(try parser.nextBody() == Array("ok".utf8))
    }

    @Test func responseParser_capsLargeBodies() throws {
        var parser = HTTPResponseParser(maxBodyBytes: 4)
        parser.append(Array("HTTP/1.1 500 Oops\r\nContent-Length: 1000\r\n\r\nabcdef".utf8))
        #expect(try parser.nextBody() == Array("abcd".utf8))
        #expect(parser.bodyWasTruncated)

        var chunked = HTTPResponseParser(maxBodyBytes: 4)
        chunked.append(Array("HTTP/1.1 500 Oops\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n".utf8))
        #expect(try chunked.nextBody() == Array("abcd".utf8))
        #expect(chunked.bodyWasTruncated)

        var unframed = HTTPResponseParser(maxBodyBytes: 4)
        unframed.append(Array("HTTP/1.1 500 Oops\r\n\r\n".utf8))
        _ = try unframed.nextHead()
        unframed.append(Array("abcdefgh".utf8))
        #expect(unframed.finish() == Array("abcd".utf8))
        #expect(unframed.bodyWasTruncated)
    }

    @Test func responseParser_finishReturnsPartialFramedBody() throws {
        var parser = HTTPResponseParser()
        parser.append(Array("HTTP/1.1 502 Bad Gateway\r\nContent-Length: 10\r\n\r\nabc".utf8))
        #expect(try parser.nextBody() == nil)
        #expect(parser.finish() == Array("abc".utf8))
    }

    @Test(arguments: [
        "HTTP/1.1 20 OK\r\n\r\n",
        "HTTP/2 200 OK\r\n\r\n",
        "SSH-2.0-OpenSSH_9.2\r\n\r\n",
        "HTTP/1.1 200 OK\r\nBad Header\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: ten\r\n\r\n",
    ])
    func responseParser_rejectsMalformedResponsesWith502(_ text: String) {
        var parser = HTTPResponseParser()
        parser.append(Array(text.utf8))
        #expect {
            try parser.nextHead()
        } throws: { error in
            (error as? HTTPParseError)?.status == 502
        }
    }

    @Test func responseParser_rejectsOversizedHead() {
        var parser = HTTPResponseParser(maxHeaderBytes: 64)
        parser.append(Array("HTTP/1.1 200 OK\r\nX: ".utf8) + Array(repeating: UInt8(ascii: "a"), count: 100))
        #expect(throws: HTTPParseError.self) { try parser.nextHead() }
    }
}
