/// Incremental decoder of the chunked transfer coding (RFC 9112 §7.1), shared by both parsers.
///
/// It consumes bytes from the owner's buffer starting at `readIndex` and appends chunk data to the
/// owner's body. Chunk extensions are ignored (RFC 9112 §7.1.1 allows it) and trailer fields are
/// skipped (§7.1.2 lets a recipient discard them). Positions are kept relative to `readIndex`, so
/// the owner may compact its buffer between calls.
struct HTTPChunkedDecoder: Sendable {
    enum Outcome {
        /// More bytes are needed.
        case needMore
        /// The last chunk and the trailer section were read.
        case complete
        /// Truncating mode only: the body reached `maxBodyBytes`; the rest is not read.
        case truncated
    }

    private enum State {
        case sizeLine
        case data(remaining: Int)
        case dataCRLF
        case trailers
        case done
    }

    /// A chunk-size line longer than this is refused: real ones are a few hex digits.
    static let maxChunkLineBytes = 4096

    private var state = State.sizeLine
    /// Bytes after `readIndex` already searched for a line feed.
    private var scanned = 0
    private var trailerBytes = 0
    private let maxBodyBytes: Int
    private let maxTrailerBytes: Int
    private let truncates: Bool
    private let syntaxStatus: Int
    private let trailerStatus: Int

    /// A decoder for a request body: a body over `maxBodyBytes` is refused with 413, malformed
    /// framing with 400 and oversized trailers with 431.
    static func forRequest(maxBodyBytes: Int, maxTrailerBytes: Int) -> HTTPChunkedDecoder {
        HTTPChunkedDecoder(maxBodyBytes: maxBodyBytes, maxTrailerBytes: maxTrailerBytes, truncates: false, syntaxStatus: 400, trailerStatus: 431)
    }

    /// A decoder for a response body: the body is cut at `maxBodyBytes` (`.truncated`), and every
    /// malformation is a 502.
    static func forResponse(maxBodyBytes: Int, maxTrailerBytes: Int) -> HTTPChunkedDecoder {
        HTTPChunkedDecoder(maxBodyBytes: maxBodyBytes, maxTrailerBytes: maxTrailerBytes, truncates: true, syntaxStatus: 502, trailerStatus: 502)
    }

    private init(maxBodyBytes: Int, maxTrailerBytes: Int, truncates: Bool, syntaxStatus: Int, trailerStatus: Int) {
        self.maxBodyBytes = maxBodyBytes
        self.maxTrailerBytes = maxTrailerBytes
        self.truncates = truncates
        self.syntaxStatus = syntaxStatus
        self.trailerStatus = trailerStatus
    }

    /// Decodes as much as `bytes[readIndex...]` allows.
    mutating func decode(_ bytes: UnsafeBufferPointer<UInt8>, readIndex: inout Int, body: inout [UInt8]) throws(HTTPParseError) -> Outcome {
        while true {
            switch state {
            case .sizeLine:
                guard let line = try nextLine(bytes, readIndex: &readIndex, limit: Self.maxChunkLineBytes, limitStatus: syntaxStatus) else {
                    return .needMore
                }
                let size = try chunkSize(line)
                if size == 0 {
                    state = .trailers
                } else {
                    if !truncates && size > maxBodyBytes - body.count {
                        throw HTTPParseError(status: 413, reason: "chunked body exceeds the limit of \(maxBodyBytes) bytes")
                    }
                    state = .data(remaining: size)
                }
            case .data(let remaining):
                let available = bytes.count - readIndex
                guard available > 0 else { return .needMore }
                var take = min(available, remaining)
                let room = maxBodyBytes - body.count
                let truncating = truncates && take > room
                if truncating { take = room }
                body.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[readIndex..<(readIndex + take)]))
                readIndex += take
                if truncating {
                    state = .done
                    return .truncated
                }
                state = remaining == take ? .dataCRLF : .data(remaining: remaining - take)
            case .dataCRLF:
                guard bytes.count - readIndex >= 2 else { return .needMore }
                guard bytes[readIndex] == HTTPSyntax.cr, bytes[readIndex + 1] == HTTPSyntax.lf else {
                    throw HTTPParseError(status: syntaxStatus, reason: "chunk data is not followed by CRLF (chunk size does not match the data)")
                }
                readIndex += 2
                state = .sizeLine
            case .trailers:
                let before = readIndex
                guard let line = try nextLine(bytes, readIndex: &readIndex, limit: maxTrailerBytes - trailerBytes, limitStatus: trailerStatus) else {
                    return .needMore
                }
                trailerBytes += readIndex - before
                if trailerBytes > maxTrailerBytes {
                    throw HTTPParseError(status: trailerStatus, reason: "trailer section exceeds \(maxTrailerBytes) bytes")
                }
                if line.isEmpty { state = .done }
            case .done:
                return .complete
            }
        }
    }

    /// The next CRLF-terminated line (without the CRLF), advancing `readIndex` past it; nil when
    /// the line is incomplete. Refuses lines longer than `limit` while they are still arriving.
    private mutating func nextLine(_ bytes: UnsafeBufferPointer<UInt8>, readIndex: inout Int, limit: Int, limitStatus: Int) throws(HTTPParseError) -> UnsafeBufferPointer<UInt8>? {
        guard let lineFeed = HTTPSyntax.firstLineFeed(in: bytes, from: readIndex + scanned) else {
            scanned = bytes.count - readIndex
            if scanned > limit + 1 {
                throw HTTPParseError(status: limitStatus, reason: "line in chunked framing exceeds \(limit) bytes")
            }
            return nil
        }
        guard lineFeed > readIndex, bytes[lineFeed - 1] == HTTPSyntax.cr else {
            throw HTTPParseError(status: syntaxStatus, reason: "bare LF in chunked framing (lines must end with CRLF)")
        }
        let line = UnsafeBufferPointer(rebasing: bytes[readIndex..<(lineFeed - 1)])
        readIndex = lineFeed + 1
        scanned = 0
        return line
    }

    /// RFC 9112 §7.1: chunk-size [ chunk-ext ], chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS value ] ).
    private func chunkSize(_ line: UnsafeBufferPointer<UInt8>) throws(HTTPParseError) -> Int {
        var size = 0
        var index = 0
        while index < line.count, let digit = HTTPSyntax.hexValue(line[index]) {
            // Saturate: any size this large is refused or truncated anyway.
            size = size > (Int.max - 15) / 16 ? Int.max : size * 16 + digit
            index += 1
        }
        guard index > 0 else {
            throw HTTPParseError(status: syntaxStatus, reason: "invalid chunk size line '\(HTTPSyntax.printable(line))'")
        }
        while index < line.count, HTTPSyntax.isWhitespace(line[index]) { index += 1 }
        guard index == line.count || line[index] == UInt8(ascii: ";") else {
            throw HTTPParseError(status: syntaxStatus, reason: "invalid chunk size line '\(HTTPSyntax.printable(line))'")
        }
        for byte in UnsafeBufferPointer(rebasing: line[index...]) where !HTTPSyntax.isFieldValueChar(byte) {
            throw HTTPParseError(status: syntaxStatus, reason: "control byte in a chunk extension")
        }
        return size
    }
}
