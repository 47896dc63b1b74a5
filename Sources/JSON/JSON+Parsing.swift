/// Entry points of the parser for the buffers the bridge holds: raw frame payloads, byte arrays
/// and strings.
extension JSON {
    /// The deepest nesting of arrays and objects `parse` accepts; deeper input is an error.
    public static let maximumDepth = 64

    /// Parses one JSON text (RFC 8259) from UTF-8 `bytes`: whitespace, one value, whitespace,
    /// nothing else. Rejects invalid UTF-8, unescaped control characters, leading zeros and
    /// trailing garbage; a lone surrogate escape decodes to U+FFFD.
    ///
    /// - Throws: `JSONError` with the byte offset of the first problem.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONError) -> JSON {
        var parser = JSONParser(bytes.assumingMemoryBound(to: UInt8.self))
        return try parser.parseDocument()
    }

    /// Parses one JSON text from UTF-8 `bytes`; see `parse(_: UnsafeRawBufferPointer)`.
    public static func parse(_ bytes: [UInt8]) throws(JSONError) -> JSON {
        let result = bytes.withUnsafeBufferPointer { buffer in
            Result { () throws(JSONError) -> JSON in
                var parser = JSONParser(buffer)
                return try parser.parseDocument()
            }
        }
        return try result.get()
    }

    /// Parses one JSON text from `text`; see `parse(_: UnsafeRawBufferPointer)`. Error offsets
    /// count UTF-8 bytes of `text`.
    public static func parse(_ text: String) throws(JSONError) -> JSON {
        var text = text
        let result = text.withUTF8 { buffer in
            Result { () throws(JSONError) -> JSON in
                var parser = JSONParser(buffer)
                return try parser.parseDocument()
            }
        }
        return try result.get()
    }
}

/// Why a text is not valid JSON, and where.
///
/// `offset` counts bytes of UTF-8 from the start of the input, so a log line can point at the
/// exact character of a provider's message that broke the parse.
public struct JSONError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The byte offset (0-based) in the input where the problem was found.
    public let offset: Int
    /// What is wrong, in words (e.g. "leading zeros are not allowed in a number").
    public let reason: String

    /// An error at `offset` for `reason`.
    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    /// "invalid JSON at byte N: reason".
    public var description: String { "invalid JSON at byte \(offset): \(reason)" }
}
