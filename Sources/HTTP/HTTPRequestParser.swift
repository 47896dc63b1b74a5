import Net

/// An incremental HTTP/1.1 request parser (RFC 9112): feed it bytes as they arrive with
/// `append`, then call `next()` until it returns nil.
///
/// It is a state machine over one growing byte buffer: the request line and each header line are
/// parsed as soon as their CRLF arrives, so every limit in `HTTPParserLimits` is checked before the
/// parser waits for more. Pipelined requests come out one `next()` at a time. After an error the
/// parser is spent: `next()` throws the same error again, and the owner answers
/// `error.status` and closes the connection.
///
/// Line endings must be CRLF; a bare LF or CR is a 400 (RFC 9112 §2.2 leaves that to the server,
/// and strictness closes request-smuggling gaps). Empty lines before a request line are skipped
/// (RFC 9112 §2.2).
public struct HTTPRequestParser: Sendable {
    private enum State {
        case requestLine
        case headers
        case fixedBody(length: Int)
        case chunkedBody(HTTPChunkedDecoder)
    }

    private struct PartialHead {
        var method: String
        var target: String
        var version: HTTPVersion
        var headers = HTTPHeaders()
    }

    /// The limits this parser enforces.
    public let limits: HTTPParserLimits

    /// The bytes received and not yet parsed (shared with the other parsers: `InputBuffer`).
    private var input = InputBuffer()
    /// Bytes after `readIndex` already searched for a line feed, so a slow line is scanned once.
    private var scanned = 0
    private var state = State.requestLine
    private var partial: PartialHead?
    private var headerBytes = 0
    private var body: [UInt8] = []
    private var continuePending = false
    private var failure: HTTPParseError?

    /// Creates a parser with the given limits.
    public init(limits: HTTPParserLimits = HTTPParserLimits()) {
        self.limits = limits
    }

    /// True when no part of a request is buffered: between requests on a kept-alive connection.
    public var isIdle: Bool {
        if case .requestLine = state { return input.readIndex == input.bytes.count }
        return false
    }

    /// Bytes received but not yet consumed by a returned request.
    public var bufferedByteCount: Int {
        input.bytes.count - input.readIndex
    }

    /// Adds received bytes.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        input.append(bytes)
    }

    /// Adds received bytes.
    public mutating func append(_ bytes: [UInt8]) {
        input.append(bytes)
    }

    /// The next complete request, or nil when more bytes are needed.
    ///
    /// - Throws: `HTTPParseError` whose `status` is the response to send before closing:
    ///   400 malformed, 413 body too large, 414 request line too long, 431 header section too
    ///   large, 501 unsupported transfer coding, 505 HTTP version other than 1.0 and 1.1.
    public mutating func next() throws(HTTPParseError) -> HTTPRequest? {
        if let failure { throw failure }
        do throws(HTTPParseError) {
            return try step()
        } catch {
            failure = error
            throw error
        }
    }

    /// Once per request, true when the request being received asked for `Expect: 100-continue`
    /// and its body has not arrived yet: the owner then writes `HTTP/1.1 100 Continue\r\n\r\n`.
    public mutating func takePendingContinue() -> Bool {
        defer { continuePending = false }
        return continuePending
    }

    /// Hands over the bytes that follow the last request returned by `next()` (the first
    /// WebSocket frames after an upgrade request) and resets the parser to empty.
    public mutating func takeBufferedBytes() -> [UInt8] {
        let rest = Array(input.bytes[input.readIndex...])
        input.bytes.removeAll()
        input.readIndex = 0
        scanned = 0
        state = .requestLine
        partial = nil
        body = []
        headerBytes = 0
        continuePending = false
        return rest
    }

    private mutating func step() throws(HTTPParseError) -> HTTPRequest? {
        // A second reference to the storage (no copy): the closure mutates other fields of self.
        let storage = input.bytes
        return try storage.withUnsafeBufferPointer { (bytes) throws(HTTPParseError) -> HTTPRequest? in
            while true {
                switch state {
                case .requestLine:
                    // RFC 9112 §2.2: ignore at least one empty line before a request-line.
                    while bytes.count - input.readIndex >= 2, bytes[input.readIndex] == HTTPSyntax.cr, bytes[input.readIndex + 1] == HTTPSyntax.lf {
                        input.readIndex += 2
                        // What was scanned (at most the CR, or no LF would be here) is now behind us;
                        // found by fuzzing: a kept count skipped the next line's first byte.
                        scanned = 0
                    }
                    guard let line = try nextLine(bytes, limit: limits.maxRequestLineBytes, limitStatus: 414, what: "request line") else {
                        return nil
                    }
                    partial = try Self.parseRequestLine(line)
                    headerBytes = 0
                    state = .headers
                case .headers:
                    let lineStart = input.readIndex
                    guard let line = try nextLine(bytes, limit: limits.maxHeaderBytes - headerBytes, limitStatus: 431, what: "header section") else {
                        return nil
                    }
                    headerBytes += input.readIndex - lineStart
                    if headerBytes > limits.maxHeaderBytes {
                        throw HTTPParseError(status: 431, reason: "header section exceeds \(limits.maxHeaderBytes) bytes")
                    }
                    if line.isEmpty {
                        try endOfHead()
                        continue
                    }
                    let (name, value) = try HTTPSyntax.parseFieldLine(line, status: 400)
                    if partial!.headers.count >= limits.maxHeaderCount {
                        throw HTTPParseError(status: 431, reason: "more than \(limits.maxHeaderCount) header fields")
                    }
                    partial!.headers.add(name, value)
                case .fixedBody(let length):
                    guard bytes.count - input.readIndex >= length else { return nil }
                    body = Array(bytes[input.readIndex..<(input.readIndex + length)])
                    input.readIndex += length
                    return finishRequest()
                case .chunkedBody(var decoder):
                    var index = input.readIndex  // a local: readIndex and body are both parts of self
                    let outcome = try decoder.decode(bytes, readIndex: &index, body: &body)
                    input.readIndex = index
                    state = .chunkedBody(decoder)
                    guard case .complete = outcome else { return nil }
                    return finishRequest()
                }
            }
        }
    }

    /// The next CRLF-terminated line without its CRLF, advancing past it; nil while incomplete.
    private mutating func nextLine(_ bytes: UnsafeBufferPointer<UInt8>, limit: Int, limitStatus: Int, what: String) throws(HTTPParseError) -> UnsafeBufferPointer<UInt8>? {
        guard let lineFeed = HTTPSyntax.firstLineFeed(in: bytes, from: input.readIndex + scanned) else {
            scanned = bytes.count - input.readIndex
            // One byte of slack: the CR of a line that is exactly `limit` long.
            if scanned > limit + 1 {
                throw HTTPParseError(status: limitStatus, reason: "\(what) exceeds \(limit) bytes")
            }
            return nil
        }
        scanned = 0
        guard lineFeed > input.readIndex, bytes[lineFeed - 1] == HTTPSyntax.cr else {
            throw HTTPParseError(status: 400, reason: "bare LF in the \(what) (lines must end with CRLF)")
        }
        let line = UnsafeBufferPointer(rebasing: bytes[input.readIndex..<(lineFeed - 1)])
        if line.count > limit {
            throw HTTPParseError(status: limitStatus, reason: "\(what) exceeds \(limit) bytes")
        }
        input.readIndex = lineFeed + 1
        return line
    }

    /// RFC 9112 §3: request-line = method SP request-target SP HTTP-version
    private static func parseRequestLine(_ line: UnsafeBufferPointer<UInt8>) throws(HTTPParseError) -> PartialHead {
        var index = 0
        while index < line.count, HTTPSyntax.isTokenChar(line[index]) { index += 1 }
        guard index > 0, index < line.count, line[index] == HTTPSyntax.space else {
            throw HTTPParseError(status: 400, reason: "invalid method in request line '\(HTTPSyntax.printable(line))'")
        }
        let method = HTTPSyntax.string(UnsafeBufferPointer(rebasing: line[..<index]))
        let targetStart = index + 1
        index = targetStart
        // RFC 3986 targets are visible ASCII; anything else (SP runs, controls, raw UTF-8) is refused.
        while index < line.count, line[index] > 0x20, line[index] < 0x7F { index += 1 }
        guard index > targetStart, index < line.count, line[index] == HTTPSyntax.space else {
            throw HTTPParseError(status: 400, reason: "invalid request target in request line '\(HTTPSyntax.printable(line))'")
        }
        let target = HTTPSyntax.string(UnsafeBufferPointer(rebasing: line[targetStart..<index]))
        guard let version = HTTPSyntax.parseVersion(UnsafeBufferPointer(rebasing: line[(index + 1)...])) else {
            throw HTTPParseError(status: 400, reason: "invalid HTTP version in request line '\(HTTPSyntax.printable(line))'")
        }
        guard version == .http1_1 || version == .http1_0 else {
            throw HTTPParseError(status: 505, reason: "\(version) is not supported; use HTTP/1.1")
        }
        return PartialHead(method: method, target: target, version: version)
    }

    /// Decides the body framing once the header section is complete (RFC 9112 §6.3).
    private mutating func endOfHead() throws(HTTPParseError) {
        let head = partial!
        // RFC 9112 §3.2: "A server MUST respond with a 400 (Bad Request) status code to any
        // HTTP/1.1 request message that lacks a Host header field and to any request message that
        // contains more than one Host header field line".
        let hosts = head.headers.values("Host")
        if hosts.count > 1 {
            throw HTTPParseError(status: 400, reason: "more than one Host header")
        }
        if hosts.isEmpty && head.version.isAtLeastHTTP11 {
            throw HTTPParseError(status: 400, reason: "HTTP/1.1 request without a Host header")
        }
        let codings = HTTPSyntax.transferCodings(head.headers)
        if head.headers.contains("Transfer-Encoding") {
            if head.headers.contains("Content-Length") {
                // RFC 9112 §6.1: both present is a smuggling attempt or a broken intermediary.
                throw HTTPParseError(status: 400, reason: "both Transfer-Encoding and Content-Length are present")
            }
            if head.version == .http1_0 {
                throw HTTPParseError(status: 400, reason: "Transfer-Encoding in an HTTP/1.0 request")
            }
            if let unsupported = codings.first(where: { $0 != "chunked" }) {
                throw HTTPParseError(status: 501, reason: "transfer coding '\(unsupported)' is not supported; only chunked is")
            }
            guard codings.count == 1 else {
                throw HTTPParseError(status: 400, reason: "Transfer-Encoding must list chunked exactly once")
            }
            state = .chunkedBody(.forRequest(maxBodyBytes: limits.maxBodyBytes, maxTrailerBytes: limits.maxHeaderBytes))
        } else if let length = try HTTPSyntax.contentLength(head.headers, status: 400), length > 0 {
            if length > limits.maxBodyBytes {
                throw HTTPParseError(status: 413, reason: "Content-Length \(length) exceeds the limit of \(limits.maxBodyBytes) bytes")
            }
            state = .fixedBody(length: length)
        } else {
            state = .fixedBody(length: 0)
            return
        }
        continuePending = head.headers.contains("Expect", token: "100-continue")
    }

    private mutating func finishRequest() -> HTTPRequest {
        let head = partial!
        let request = HTTPRequest(
            head: HTTPRequestHead(method: head.method, target: head.target, version: head.version, headers: head.headers),
            body: body
        )
        partial = nil
        body = []
        headerBytes = 0
        continuePending = false
        state = .requestLine
        return request
    }

}
