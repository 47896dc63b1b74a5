import Testing
@testable import HTTP

extension HTTPRequestParserTests {
    @Test(arguments: [
        "GET /a b HTTP/1.1\r\nHost: h\r\n\r\n",                       // space in target
        "G(T / HTTP/1.1\r\nHost: h\r\n\r\n",                          // non-token method
        "GET  / HTTP/1.1\r\nHost: h\r\n\r\n",                         // empty target
        "GET / HTTP/1.1\r\nHost : h\r\n\r\n",                         // space before colon
        "GET / HTTP/1.1\r\nHost: h\r\nX-Long: a\r\n continued\r\n\r\n", // obs-fold
        "GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nX: a\u{1}b\r\n\r\n",            // control byte in value
        "GET / HTTP/1.1\nHost: h\n\n",                                 // bare LF
        "GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n",                // bare CR
        "GET / HTTP/1.1\r\n\r\n",                                      // HTTP/1.1 without Host
        "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",                // two Hosts
        "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 4\r\n\r\nabcd",
        "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: +3\r\n\r\nabc",
        "GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x3\r\n\r\nabc",
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n",
        "GET / HTTP/1.x\r\nHost: h\r\n\r\n",
    ])
    func parser_rejectsMalformedRequestWith400(_ text: String) {
        #expect(Self.errorStatus(text) == 400)
    }

    @Test func parser_acceptsRepeatedEqualContentLength() throws {
        let request = try #require(try Self.parseAll("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 3, 3\r\n\r\nabc").first)
        #expect(request.body == Array("abc".utf8))
    }

    @Test func parser_rejectsOversizedContentLengthBeforeTheBodyArrives() {
        var parser = HTTPRequestParser(limits: HTTPParserLimits(maxBodyBytes: 100))
        parser.append(Array("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 101\r\n\r\n".utf8))
        #expect {
            try parser.next()
        } throws: { error in
            (error as? HTTPParseError)?.status == 413
        }
        #expect(Self.errorStatus("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n\r\n") == 413)
    }

    @Test func parser_rejectsOversizedChunkedBodyWith413() {
        let limits = HTTPParserLimits(maxBodyBytes: 8)
        #expect(Self.errorStatus("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n4\r\n", limits: limits) == 413)
        #expect(Self.errorStatus("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFFFF\r\n", limits: limits) == 413)
    }

    @Test func parser_rejectsLongRequestLineWith414WhileItArrives() {
        var parser = HTTPRequestParser(limits: HTTPParserLimits(maxRequestLineBytes: 64))
        parser.append(Array("GET /".utf8) + Array(repeating: UInt8(ascii: "a"), count: 100))
        #expect {
            try parser.next()
        } throws: { error in
            (error as? HTTPParseError)?.status == 414
        }
    }

    @Test func parser_rejectsLargeHeaderSectionWith431WhileItArrives() {
        var parser = HTTPRequestParser(limits: HTTPParserLimits(maxHeaderBytes: 100))
        parser.append(Array("GET / HTTP/1.1\r\nHost: h\r\nX-Big: ".utf8) + Array(repeating: UInt8(ascii: "a"), count: 120))
        #expect {
            try parser.next()
        } throws: { error in
            (error as? HTTPParseError)?.status == 431
        }
    }

    @Test func parser_rejectsTooManyHeadersWith431() {
        let fields = (0..<5).map { "X-\($0): v\r\n" }.joined()
        #expect(Self.errorStatus("GET / HTTP/1.1\r\nHost: h\r\n\(fields)\r\n", limits: HTTPParserLimits(maxHeaderCount: 5)) == 431)
        #expect(Self.errorStatus("GET / HTTP/1.1\r\nHost: h\r\n\(fields)\r\n", limits: HTTPParserLimits(maxHeaderCount: 6)) == nil)
    }

    @Test(arguments: ["gzip", "gzip, chunked", "identity"])
    func parser_rejectsUnsupportedTransferCodingWith501(_ coding: String) {
        #expect(Self.errorStatus("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: \(coding)\r\n\r\n") == 501)
    }

    @Test(arguments: ["HTTP/2.0", "HTTP/0.9", "HTTP/1.2"])
    func parser_rejectsOtherVersionsWith505(_ version: String) {
        #expect(Self.errorStatus("GET / \(version)\r\nHost: h\r\n\r\n") == 505)
    }

    @Test func parser_staysFailedAfterAnError() {
        var parser = HTTPRequestParser()
        parser.append(Array("GET / HTTP/3.0\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n".utf8))
        #expect(throws: HTTPParseError.self) { try parser.next() }
        #expect {
            try parser.next()
        } throws: { error in
            (error as? HTTPParseError)?.status == 505
        }
    }

    @Test func parseError_responseCarriesStatusAndReason() {
        let error = HTTPParseError(status: 431, reason: "header section exceeds 10 bytes")
        let response = error.response
        #expect(response.status == 431)
        #expect(response.reason == "Request Header Fields Too Large")
        #expect(String(decoding: response.body, as: UTF8.self).contains("header section exceeds 10 bytes"))
    }
}
