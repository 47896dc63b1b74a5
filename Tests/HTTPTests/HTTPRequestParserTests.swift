import Testing
@testable import HTTP

@Suite("HTTPRequestParser")
struct HTTPRequestParserTests {
    /// Feeds `text` at once and returns every complete request.
    static func parseAll(_ text: String, limits: HTTPParserLimits = .init()) throws -> [HTTPRequest] {
        var parser = HTTPRequestParser(limits: limits)
        parser.append(Array(text.utf8))
        var requests: [HTTPRequest] = []
        while let request = try parser.next() { requests.append(request) }
        return requests
    }

    /// The status of the error parsing `text` throws, or nil when it does not throw.
    static func errorStatus(_ text: String, limits: HTTPParserLimits = .init()) -> Int? {
        do {
            _ = try parseAll(text, limits: limits)
            return nil
        } catch let error as HTTPParseError {
            return error.status
        } catch {
            return -1
        }
    }

    @Test func parser_parsesSimpleGet() throws {
        let requests = try Self.parseAll("GET /twiml?CallSid=CA1&x=%20 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: TwilioProxy/1.1\r\n\r\n")
        let request = try #require(requests.first)
        #expect(requests.count == 1)
        #expect(request.head.method == "GET")
        #expect(request.head.target == "/twiml?CallSid=CA1&x=%20")
        #expect(request.head.path == "/twiml")
        #expect(request.head.query == "CallSid=CA1&x=%20")
        #expect(request.head.version == .http1_1)
        #expect(request.head.headers["host"] == "example.com")
        #expect(request.head.headers["USER-AGENT"] == "TwilioProxy/1.1")
        #expect(request.body.isEmpty)
    }

    @Test func parser_parsesPostWithContentLengthBody() throws {
        let body = "CallSid=CA123&From=%2B15551234567"
        let text = "POST /voice HTTP/1.1\r\nHost: h\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        let request = try #require(try Self.parseAll(text).first)
        #expect(request.head.method == "POST")
        #expect(request.head.query == nil)
        #expect(request.body == Array(body.utf8))
    }

    @Test func parser_handlesByteByByteDelivery() throws {
        let text = "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhelloGET /b HTTP/1.1\r\nHost: h\r\n\r\n"
        var parser = HTTPRequestParser()
        var requests: [HTTPRequest] = []
        for byte in text.utf8 {
            parser.append([byte])
            while let request = try parser.next() { requests.append(request) }
        }
        #expect(requests.map(\.head.path) == ["/a", "/b"])
        #expect(requests[0].body == Array("hello".utf8))
        #expect(parser.isIdle)
    }

    @Test func parser_returnsPipelinedRequestsOneAtATime() throws {
        var parser = HTTPRequestParser()
        parser.append(Array("GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\nGET /3 HTTP/1.1\r\nHo".utf8))
        #expect(try parser.next()?.head.path == "/1")
        #expect(try parser.next()?.head.path == "/2")
        #expect(try parser.next() == nil)
        #expect(!parser.isIdle)
        parser.append(Array("st: h\r\n\r\n".utf8))
        #expect(try parser.next()?.head.path == "/3")
        #expect(parser.isIdle)
    }

    @Test func parser_decodesChunkedBodyIgnoringExtensionsAndTrailers() throws {
        let text = "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "4;name=value\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nExpires: never\r\n\r\n"
            + "GET /next HTTP/1.1\r\nHost: h\r\n\r\n"
        let requests = try Self.parseAll(text)
        #expect(requests.count == 2)
        #expect(String(decoding: requests[0].body, as: UTF8.self) == "Wikipedia in\r\n\r\nchunks.")
        #expect(requests[1].head.path == "/next")
    }

    @Test func parser_decodesChunkedBodyDeliveredByteByByte() throws {
        let text = "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n3\r\nabc\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n"
        var parser = HTTPRequestParser()
        var bodies: [[UInt8]] = []
        for byte in text.utf8 {
            parser.append([byte])
            if let request = try parser.next() { bodies.append(request.body) }
        }
        #expect(bodies == [Array("abc0123456789abcdef".utf8)])
    }

    @Test func parser_skipsEmptyLinesBeforeRequestLine() throws {
        let requests = try Self.parseAll("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n")
        #expect(requests.map(\.head.path) == ["/"])
    }

    @Test func parser_acceptsHTTP10WithoutHost() throws {
        let request = try #require(try Self.parseAll("GET /old HTTP/1.0\r\n\r\n").first)
        #expect(request.head.version == .http1_0)
        #expect(!request.keepAlive)
    }

    @Test func parser_keepsHeaderOrderAndTrimsOptionalWhitespace() throws {
        let request = try #require(try Self.parseAll("GET / HTTP/1.1\r\nHost: h\r\nX-A:  one \t\r\nx-a:two\r\nX-Empty:\r\n\r\n").first)
        #expect(request.head.headers.values("X-A") == ["one", "two"])
        #expect(request.head.headers["X-Empty"] == "")
        #expect(Array(request.head.headers).map(\.name) == ["Host", "X-A", "x-a", "X-Empty"])
    }

    @Test func parser_splitsAbsoluteFormTarget() throws {
        let request = try #require(try Self.parseAll("GET http://example.com:8080?x=1 HTTP/1.1\r\nHost: example.com\r\n\r\n").first)
        #expect(request.head.path == "/")
        #expect(request.head.query == "x=1")
    }

    @Test func parser_handsOverBytesAfterUpgradeRequest() throws {
        var parser = HTTPRequestParser()
        let frame: [UInt8] = [0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]
        parser.append(Array("GET /stream HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n".utf8) + frame)
        let request = try #require(try parser.next())
        #expect(request.head.headers.contains("Connection", token: "upgrade"))
        #expect(parser.takeBufferedBytes() == frame)
        #expect(parser.isIdle)
    }

    @Test func parser_reportsExpectContinueOncePerRequest() throws {
        var parser = HTTPRequestParser()
        parser.append(Array("POST /x HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n".utf8))
        #expect(try parser.next() == nil)
        let first = parser.takePendingContinue()
        let second = parser.takePendingContinue()
        #expect(first)
        #expect(!second)
        parser.append(Array("abc".utf8))
        #expect(try parser.next()?.body == Array("abc".utf8))
    }

    @Test func parser_acceptsLimitsExactly() throws {
        let limits = HTTPParserLimits(maxRequestLineBytes: 20, maxBodyBytes: 4)
        // "GET /1234567 HTTP/1.1" is 21 bytes; "GET /123456 HTTP/1.1" is exactly 20.
        let request = try #require(try Self.parseAll("GET /123456 HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nabcd", limits: limits).first)
        #expect(request.body.count == 4)
        #expect(Self.errorStatus("GET /1234567 HTTP/1.1\r\nHost: h\r\n\r\n", limits: limits) == 414)
    }
}
