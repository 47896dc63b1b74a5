import Testing
import HTTP

/// Inputs that `scripts/fuzz` (target fuzz-http-request) found, as the bytes it found them in.
@Suite struct HTTPRequestParserFuzzRegressionTests {
    /// Outcome of feeding `pieces` one `append` at a time: the requests, then the error status.
    static func parse(_ pieces: [[UInt8]]) -> (requests: [HTTPRequest], status: Int?) {
        var parser = HTTPRequestParser()
        var requests: [HTTPRequest] = []
        for piece in pieces {
            parser.append(piece)
            do {
                while let request = try parser.next() { requests.append(request) }
            } catch {
                return (requests, error.status)
            }
        }
        return (requests, nil)
    }

    /// crash-9da2c2eebf9fd9872cb298d2696ecf85fe8472e1: an empty line whose CR arrived alone, then
    /// a bare LF. The skipped empty line left a stale scan count, so the bare LF was not seen and
    /// the request was judged differently depending on how the bytes arrived.
    @Test func parser_bareLFAfterSkippedEmptyLine_isRefusedHoweverBytesArrive() {
        let input: [UInt8] = [0x0d, 0x0a, 0x0a, 0xff, 0xbd]
        #expect(Self.parse([input]).status == 400)
        #expect(Self.parse([Array(input[..<1]), Array(input[1...])]).status == 400)
        #expect(Self.parse(input.map { [$0] }).status == 400)
    }

    @Test func parser_requestAfterEmptyLineSplitAtCR_parses() {
        let request = Array("\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n".utf8)
        let outcome = Self.parse([Array(request[..<1]), Array(request[1...])])
        #expect(outcome.status == nil)
        #expect(outcome.requests.map(\.head.path) == ["/"])
    }
}
