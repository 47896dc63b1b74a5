import Net

/// The status line and header fields of a response a client received.
public struct HTTPResponseHead: Sendable, Equatable {
    /// The status code.
    public var status: Int
    /// The reason phrase as sent (may be empty).
    public var reason: String
    /// The protocol version from the status line.
    public var version: HTTPVersion
    /// The header fields, in order.
    public var headers: HTTPHeaders

    /// Creates a head.
    public init(status: Int, reason: String, version: HTTPVersion = .http1_1, headers: HTTPHeaders = .init()) {
        self.status = status
        self.reason = reason
        self.version = version
        self.headers = headers
    }
}

/// An incremental parser for one HTTP/1.1 response on the client side: the answer to a WebSocket
/// handshake, or a small request's reply.
///
/// Call `nextHead()` until it returns the head, then `nextBody()` until it returns the body.
/// Interim 1xx responses other than 101 are skipped. A 101, 204 or 304 has an empty body, and after
/// a 101 `takeBufferedBytes()` hands over whatever followed the head (the first WebSocket frames).
/// A body without `Content-Length` or chunked framing runs until the peer closes: `nextBody()`
/// keeps returning nil and the owner calls `finish()` at end of stream.
///
/// Bodies are capped at `maxBodyBytes`, not refused: the body is only read to report errors, and
/// the first bytes of an error page are what a log needs. `bodyWasTruncated` says when it was cut.
/// Malformed responses throw `HTTPParseError` with status 502.
public struct HTTPResponseParser: Sendable {
    private enum BodyFraming {
        case none
        case length(Int)
        case chunked(HTTPChunkedDecoder)
        case untilClose
    }

    /// The largest header section accepted.
    public let maxHeaderBytes: Int
    /// The largest body kept; bytes past it are dropped.
    public let maxBodyBytes: Int
    /// True when the body returned by `nextBody()` or `finish()` was cut at `maxBodyBytes`.
    public private(set) var bodyWasTruncated = false

    /// The bytes received and not yet parsed (shared with the other parsers: `InputBuffer`).
    private var input = InputBuffer()
    private var scanned = 0
    private var head: HTTPResponseHead?
    private var framing = BodyFraming.none
    private var body: [UInt8] = []
    private var completedBody: [UInt8]?

    /// Creates a parser with bounds on the head and the kept body.
    public init(maxHeaderBytes: Int = 16384, maxBodyBytes: Int = 65536) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxBodyBytes = maxBodyBytes
    }

    /// Adds received bytes.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        input.append(bytes)
        dropPastCap()
    }

    /// Adds received bytes.
    public mutating func append(_ bytes: [UInt8]) {
        input.append(bytes)
        dropPastCap()
    }

    /// The final response head, or nil while it is incomplete. Returns the same head on later calls.
    ///
    /// - Throws: `HTTPParseError` (status 502) for a malformed status line or header, a header
    ///   section over `maxHeaderBytes`, or an invalid `Content-Length`.
    public mutating func nextHead() throws(HTTPParseError) -> HTTPResponseHead? {
        while head == nil {
            guard let parsed = try parseHead() else { return nil }
            // RFC 9110 §15.2: a client must accept interim 1xx responses before the final one.
            if (100..<200).contains(parsed.status) && parsed.status != 101 { continue }
            framing = try Self.framing(of: parsed, maxHeaderBytes: maxHeaderBytes, maxBodyBytes: maxBodyBytes)
            head = parsed
        }
        return head
    }

    /// The complete body once it has arrived (after the head), or nil while it is incomplete or
    /// runs until the peer closes. Returns the same body on later calls.
    public mutating func nextBody() throws(HTTPParseError) -> [UInt8]? {
        if let completedBody { return completedBody }
        guard try nextHead() != nil else { return nil }
        switch framing {
        case .none:
            completedBody = []
        case .length(let length):
            let wanted = min(length, maxBodyBytes)
            guard input.bytes.count - input.readIndex >= wanted else { return nil }
            bodyWasTruncated = length > maxBodyBytes
            completedBody = Array(input.bytes[input.readIndex..<(input.readIndex + wanted)])
            input.readIndex += wanted
        case .chunked(var decoder):
            let storage = input.bytes
            var index = input.readIndex  // a local: readIndex and body are both parts of self
            let outcome = try storage.withUnsafeBufferPointer { (bytes) throws(HTTPParseError) in
                try decoder.decode(bytes, readIndex: &index, body: &body)
            }
            input.readIndex = index
            framing = .chunked(decoder)
            switch outcome {
            case .needMore: return nil
            case .complete: break
            case .truncated: bodyWasTruncated = true
            }
            completedBody = body
        case .untilClose:
            return nil
        }
        return completedBody
    }

    /// What was received of the body when the peer closed the connection: the whole body of a
    /// read-until-close response, or the part that arrived of a framed one (chunked: decoded so
    /// far). Before the head is complete, the raw bytes received, for a log line.
    public mutating func finish() -> [UInt8] {
        if let completedBody { return completedBody }
        let rest = Array(input.bytes[input.readIndex...])
        input.readIndex = input.bytes.count
        switch framing {
        case .chunked:
            completedBody = body
        case .none where head != nil:
            completedBody = []
        default:
            completedBody = Array(rest.prefix(maxBodyBytes))
            if rest.count > maxBodyBytes { bodyWasTruncated = true }
        }
        return completedBody ?? []
    }

    /// Hands over the bytes after the head of a 101 (or after a complete body) and empties the buffer.
    public mutating func takeBufferedBytes() -> [UInt8] {
        let rest = Array(input.bytes[input.readIndex...])
        input.bytes.removeAll()
        input.readIndex = 0
        return rest
    }

    /// Finds `CRLF CRLF` and parses the head before it; nil while incomplete.
    private mutating func parseHead() throws(HTTPParseError) -> HTTPResponseHead? {
        let storage = input.bytes
        return try storage.withUnsafeBufferPointer { (bytes) throws(HTTPParseError) -> HTTPResponseHead? in
            // Restart 3 bytes back so a terminator split across appends is still found.
            var index = input.readIndex + max(0, scanned - 3)
            while index + 3 < bytes.count {
                if bytes[index] == HTTPSyntax.cr, bytes[index + 1] == HTTPSyntax.lf,
                   bytes[index + 2] == HTTPSyntax.cr, bytes[index + 3] == HTTPSyntax.lf {
                    let head = try Self.parse(UnsafeBufferPointer(rebasing: bytes[input.readIndex..<(index + 2)]))
                    input.readIndex = index + 4
                    scanned = 0
                    return head
                }
                index += 1
            }
            scanned = bytes.count - input.readIndex
            if scanned > maxHeaderBytes {
                throw HTTPParseError(status: 502, reason: "response header section exceeds \(maxHeaderBytes) bytes")
            }
            return nil
        }
    }

    /// Parses a head whose lines each end with CRLF (the final empty line excluded).
    private static func parse(_ block: UnsafeBufferPointer<UInt8>) throws(HTTPParseError) -> HTTPResponseHead {
        var lines: [UnsafeBufferPointer<UInt8>] = []
        var lineStart = 0
        for index in 0..<block.count where block[index] == HTTPSyntax.lf {
            guard index > lineStart, block[index - 1] == HTTPSyntax.cr else {
                throw HTTPParseError(status: 502, reason: "bare LF in the response head")
            }
            lines.append(UnsafeBufferPointer(rebasing: block[lineStart..<(index - 1)]))
            lineStart = index + 1
        }
        var head = try parseStatusLine(lines[0])
        for line in lines.dropFirst() {
            let (name, value) = try HTTPSyntax.parseFieldLine(line, status: 502)
            head.headers.add(name, value)
        }
        return head
    }

    /// RFC 9112 §4: status-line = HTTP-version SP status-code SP [ reason-phrase ]
    private static func parseStatusLine(_ line: UnsafeBufferPointer<UInt8>) throws(HTTPParseError) -> HTTPResponseHead {
        guard line.count >= 12,
              let version = HTTPSyntax.parseVersion(UnsafeBufferPointer(rebasing: line[0..<8])), version.major == 1,
              line[8] == HTTPSyntax.space,
              let hundreds = HTTPSyntax.digitValue(line[9]), let tens = HTTPSyntax.digitValue(line[10]),
              let units = HTTPSyntax.digitValue(line[11]), hundreds >= 1,
              line.count == 12 || line[12] == HTTPSyntax.space else {
            throw HTTPParseError(status: 502, reason: "invalid status line '\(HTTPSyntax.printable(line))' (is this an HTTP server?)")
        }
        let reason = line.count > 13 ? HTTPSyntax.string(UnsafeBufferPointer(rebasing: line[13...])) : ""
        return HTTPResponseHead(status: hundreds * 100 + tens * 10 + units, reason: reason, version: version)
    }

    /// RFC 9112 §6.3, the client's view of message body length.
    private static func framing(of head: HTTPResponseHead, maxHeaderBytes: Int, maxBodyBytes: Int) throws(HTTPParseError) -> BodyFraming {
        if (100..<200).contains(head.status) || head.status == 204 || head.status == 304 {
            return .none
        }
        if head.headers.contains("Transfer-Encoding") {
            // Chunked must be the final coding to delimit the body; otherwise read until close.
            guard HTTPSyntax.transferCodings(head.headers).last == "chunked" else { return .untilClose }
            return .chunked(.forResponse(maxBodyBytes: maxBodyBytes, maxTrailerBytes: maxHeaderBytes))
        }
        if let length = try HTTPSyntax.contentLength(head.headers, status: 502) {
            return .length(length)
        }
        return .untilClose
    }

    /// While reading until close, bytes past the cap are dropped as they arrive.
    private mutating func dropPastCap() {
        guard head != nil, case .untilClose = framing, input.bytes.count - input.readIndex > maxBodyBytes else { return }
        input.bytes.removeSubrange((input.readIndex + maxBodyBytes)...)
        bodyWasTruncated = true
    }
}
