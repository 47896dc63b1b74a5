/// A JSON text made of up to seven pieces spliced as they are — literal JSON around identifiers
/// and base64 that need no escaping — written into a buffer without making a `String`: how the
/// per-frame events (Realtime `input_audio_buffer.append`, Twilio `media` and `mark`) go out,
/// framed straight into a connection's output (`WSConnection.sendText(count:_:)`).
///
/// The pieces are pointers: use a splice only while the bytes they point to are valid (literals
/// always are). Whoever splices vouches that the result is JSON: quote what needs quoting first
/// (`JSON.needsEscaping`), as for `JSON.joined`.
public struct JSONSplice {
    /// The text's length in bytes.
    public let count: Int
    private let pieces: (UnsafeRawBufferPointer, UnsafeRawBufferPointer, UnsafeRawBufferPointer, UnsafeRawBufferPointer,
                         UnsafeRawBufferPointer, UnsafeRawBufferPointer, UnsafeRawBufferPointer)

    /// `head`, `value`, `tail`.
    public init(_ head: StaticString, _ value: UnsafeRawBufferPointer, _ tail: StaticString) {
        self.init(head, value, tail, UnsafeRawBufferPointer(start: nil, count: 0), "")
    }

    /// `head`, `first`, `middle`, `second`, `tail`.
    public init(_ head: StaticString, _ first: UnsafeRawBufferPointer, _ middle: StaticString,
                _ second: UnsafeRawBufferPointer, _ tail: StaticString) {
        self.init(head, first, middle, second, "", UnsafeRawBufferPointer(start: nil, count: 0), tail)
    }

    /// `head`, `first`, `middle`, `second`, `between`, `third`, `tail`.
    public init(_ head: StaticString, _ first: UnsafeRawBufferPointer, _ middle: StaticString,
                _ second: UnsafeRawBufferPointer, _ between: StaticString, _ third: UnsafeRawBufferPointer, _ tail: StaticString) {
        pieces = (Self.bytes(head), first, Self.bytes(middle), second, Self.bytes(between), third, Self.bytes(tail))
        count = pieces.0.count + first.count + pieces.2.count + second.count + pieces.4.count + third.count + pieces.6.count
    }

    /// Writes the text at the start of `buffer` (at least `count` bytes).
    public func write(into buffer: UnsafeMutableRawBufferPointer) {
        var offset = Self.copy(pieces.0, into: buffer, at: 0)
        offset = Self.copy(pieces.1, into: buffer, at: offset)
        offset = Self.copy(pieces.2, into: buffer, at: offset)
        offset = Self.copy(pieces.3, into: buffer, at: offset)
        offset = Self.copy(pieces.4, into: buffer, at: offset)
        offset = Self.copy(pieces.5, into: buffer, at: offset)
        _ = Self.copy(pieces.6, into: buffer, at: offset)
    }

    @inline(__always)
    private static func copy(_ piece: UnsafeRawBufferPointer, into buffer: UnsafeMutableRawBufferPointer, at offset: Int) -> Int {
        guard let source = piece.baseAddress, piece.count > 0 else { return offset }
        precondition(offset + piece.count <= buffer.count, "JSONSplice: the buffer is shorter than count")
        (buffer.baseAddress! + offset).copyMemory(from: source, byteCount: piece.count)
        return offset + piece.count
    }

    /// The text as a `String`, for what takes one (the in-process provider, tests).
    public var string: String {
        String(unsafeUninitializedCapacity: count) { buffer in
            write(into: UnsafeMutableRawBufferPointer(buffer))
            return count
        }
    }

    private static func bytes(_ text: StaticString) -> UnsafeRawBufferPointer {
        // A one-character literal may be stored as a scalar, without bytes to point to.
        precondition(text.hasPointerRepresentation, "JSONSplice: pieces of two characters or more")
        return UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount)
    }
}
