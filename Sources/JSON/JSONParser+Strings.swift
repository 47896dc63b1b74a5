/// String literals: RFC 8259 §7 escapes and §8.1 UTF-8 validation.
extension JSONParser {
    /// Parses the string whose opening quote is at `index`, leaving `index` after its closing quote.
    mutating func parseString() throws(JSONError) -> String {
        let opening = index
        var cursor = index + 1
        // Fast path: no escapes, so the bytes between the quotes are the string.
        while cursor < bytes.count {
            // Skip the plain ASCII run eight bytes at a time: audio deltas are kilobytes of base64.
            cursor = skipPlainWords(from: cursor)
            // One unsigned compare tests both "< 0x20" and ">= 0x80".
            while cursor < bytes.count, bytes[cursor] &- 0x20 < 0x60,
                  bytes[cursor] != UInt8(ascii: "\""), bytes[cursor] != UInt8(ascii: "\\") {
                cursor += 1
            }
            guard cursor < bytes.count else { break }
            let byte = bytes[cursor]
            if byte == UInt8(ascii: "\"") {
                index = cursor + 1
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[(opening + 1)..<cursor]), as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") {
                return try parseEscapedString(contentStart: opening + 1, firstEscape: cursor)
            }
            if byte < 0x20 { throw controlCharacter(byte, at: cursor) }
            cursor += byte < 0x80 ? 1 : try utf8SequenceLength(at: cursor)
        }
        throw fail("unterminated string", at: opening)
    }

    /// Advances over whole 8-byte words holding no `"`, `\`, control or non-ASCII byte, using
    /// the SWAR tests of "Bit Twiddling Hacks" (*determine if a word has a byte less than n*):
    /// exact for "some byte is special", so the byte loop after it finds which.
    private func skipPlainWords(from start: Int) -> Int {
        guard let base = bytes.baseAddress else { return start }
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits: UInt64 = 0x8080_8080_8080_8080
        var cursor = start
        while cursor + 8 <= bytes.count {
            let word = UnsafeRawPointer(base + cursor).loadUnaligned(as: UInt64.self)
            let quote = word ^ (ones &* 0x22)
            let backslash = word ^ (ones &* 0x5C)
            let special = ((quote &- ones) & ~quote)          // a byte equal to '"'
                | ((backslash &- ones) & ~backslash)          // a byte equal to '\'
                | ((word &- ones &* 0x20) & ~word)            // a byte below 0x20
                | word                                        // a byte at or above 0x80
            if special & highBits != 0 { break }
            cursor += 8
        }
        return cursor
    }

    private mutating func parseEscapedString(contentStart: Int, firstEscape: Int) throws(JSONError) -> String {
        var scratch: [UInt8] = []
        scratch.reserveCapacity(firstEscape - contentStart + 32)
        scratch.append(contentsOf: bytes[contentStart..<firstEscape])
        var cursor = firstEscape
        while cursor < bytes.count {
            let byte = bytes[cursor]
            switch byte {
            case UInt8(ascii: "\""):
                index = cursor + 1
                return String(decoding: scratch, as: UTF8.self)
            case UInt8(ascii: "\\"):
                cursor = try decodeEscape(at: cursor, into: &scratch)
            case 0..<0x20:
                throw controlCharacter(byte, at: cursor)
            case 0x20..<0x80:
                scratch.append(byte)
                cursor += 1
            default:
                let length = try utf8SequenceLength(at: cursor)
                scratch.append(contentsOf: bytes[cursor..<(cursor + length)])
                cursor += length
            }
        }
        throw fail("unterminated string", at: contentStart - 1)
    }

    /// Decodes the escape whose backslash is at `start`; returns the offset after it.
    private func decodeEscape(at start: Int, into scratch: inout [UInt8]) throws(JSONError) -> Int {
        guard start + 1 < bytes.count else { throw fail("unterminated escape sequence", at: start) }
        let simple: UInt8
        switch bytes[start + 1] {
        case UInt8(ascii: "\""): simple = 0x22
        case UInt8(ascii: "\\"): simple = 0x5C
        case UInt8(ascii: "/"): simple = 0x2F
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "n"): simple = 0x0A
        case UInt8(ascii: "r"): simple = 0x0D
        case UInt8(ascii: "t"): simple = 0x09
        case UInt8(ascii: "u"):
            return try decodeUnicodeEscape(at: start, into: &scratch)
        case let other:
            throw fail("invalid escape '\\\(Character(Unicode.Scalar(other)))'", at: start)
        }
        scratch.append(simple)
        return start + 2
    }

    /// `\uXXXX`, joining a high and a low surrogate into one scalar. A lone surrogate becomes
    /// U+FFFD (see the type's documentation).
    private func decodeUnicodeEscape(at start: Int, into scratch: inout [UInt8]) throws(JSONError) -> Int {
        let unit = try hexQuad(at: start + 2)
        var next = start + 6
        var scalar = Unicode.Scalar(unit)
        if (0xD800...0xDBFF).contains(unit),
           next + 1 < bytes.count, bytes[next] == UInt8(ascii: "\\"), bytes[next + 1] == UInt8(ascii: "u") {
            let low = try hexQuad(at: next + 2)
            if (0xDC00...0xDFFF).contains(low) {
                scalar = Unicode.Scalar(0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00))
                next += 6
            }
        }
        appendUTF8(scalar ?? "\u{FFFD}", to: &scratch)
        return next
    }

    private func hexQuad(at start: Int) throws(JSONError) -> UInt16 {
        guard start + 4 <= bytes.count else { throw fail("unterminated \\u escape", at: start - 2) }
        var value: UInt16 = 0
        for offset in 0..<4 {
            let byte = bytes[start + offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw fail("invalid hex digit \(describe(byte)) in a \\u escape", at: start + offset)
            }
            value = value << 4 | UInt16(digit)
        }
        return value
    }

    private func appendUTF8(_ scalar: Unicode.Scalar, to scratch: inout [UInt8]) {
        let value = scalar.value
        switch value {
        case 0..<0x80:
            scratch.append(UInt8(value))
        case 0x80..<0x800:
            scratch.append(0xC0 | UInt8(value >> 6))
            scratch.append(0x80 | UInt8(value & 0x3F))
        case 0x800..<0x10000:
            scratch.append(0xE0 | UInt8(value >> 12))
            scratch.append(0x80 | UInt8((value >> 6) & 0x3F))
            scratch.append(0x80 | UInt8(value & 0x3F))
        default:
            scratch.append(0xF0 | UInt8(value >> 18))
            scratch.append(0x80 | UInt8((value >> 12) & 0x3F))
            scratch.append(0x80 | UInt8((value >> 6) & 0x3F))
            scratch.append(0x80 | UInt8(value & 0x3F))
        }
    }

    /// The length of the well-formed UTF-8 sequence starting at `start` (a byte ≥ 0x80), per
    /// Unicode Table 3-7: no overlong forms, no surrogates, nothing past U+10FFFF.
    private func utf8SequenceLength(at start: Int) throws(JSONError) -> Int {
        func continuation(_ offset: Int, _ range: ClosedRange<UInt8> = 0x80...0xBF) -> Bool {
            start + offset < bytes.count && range.contains(bytes[start + offset])
        }
        let valid: Bool
        let length: Int
        switch bytes[start] {
        case 0xC2...0xDF:
            length = 2; valid = continuation(1)
        case 0xE0:
            length = 3; valid = continuation(1, 0xA0...0xBF) && continuation(2)
        case 0xE1...0xEC, 0xEE...0xEF:
            length = 3; valid = continuation(1) && continuation(2)
        case 0xED:
            length = 3; valid = continuation(1, 0x80...0x9F) && continuation(2)
        case 0xF0:
            length = 4; valid = continuation(1, 0x90...0xBF) && continuation(2) && continuation(3)
        case 0xF1...0xF3:
            length = 4; valid = continuation(1) && continuation(2) && continuation(3)
        case 0xF4:
            length = 4; valid = continuation(1, 0x80...0x8F) && continuation(2) && continuation(3)
        default:
            length = 1; valid = false
        }
        guard valid else { throw fail("invalid UTF-8 sequence starting with byte 0x\(hex(bytes[start]))", at: start) }
        return length
    }

    private func controlCharacter(_ byte: UInt8, at offset: Int) -> JSONError {
        fail("control character U+00\(hex(byte)) must be escaped in a string", at: offset)
    }
}
