/// Bounds on what `HTTPRequestParser` accepts before it refuses a request.
///
/// Each limit is enforced as soon as it can be known, so the parser never holds more than a limit
/// plus the bytes of one `append` call: a request line or header section is refused while it is
/// still arriving, and a `Content-Length` or chunk size over `maxBodyBytes` is refused before any
/// of the body is waited for.
public struct HTTPParserLimits: Sendable, Equatable {
    /// Longest request line, without its CRLF; beyond it the answer is 414 URI Too Long.
    public var maxRequestLineBytes: Int
    /// Largest header section (field lines with their CRLFs, and the empty line); beyond it 431.
    /// Chunked trailers are held to the same bound.
    public var maxHeaderBytes: Int
    /// Most field lines in one request; beyond it 431 Request Header Fields Too Large.
    public var maxHeaderCount: Int
    /// Largest request body after chunked decoding; beyond it 413 Content Too Large.
    public var maxBodyBytes: Int

    /// Creates limits; the defaults suit webhooks and WebSocket upgrades.
    public init(
        maxRequestLineBytes: Int = 8192,
        maxHeaderBytes: Int = 16384,
        maxHeaderCount: Int = 100,
        maxBodyBytes: Int = 65536
    ) {
        self.maxRequestLineBytes = maxRequestLineBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
    }
}
