/// A strict RFC 8259 parser over a buffer of UTF-8 bytes.
///
/// One pass, no look-behind, no intermediate token list. Strings without escapes become a
/// `String` straight from their bytes; only strings with escapes go through a scratch buffer.
///
/// Choices the RFC leaves open (§8.2, §9):
/// - A lone UTF-16 surrogate in a `\u` escape becomes U+FFFD: the grammar allows it, a Swift
///   `String` cannot hold it, and rejecting the whole event for one bad character in a transcript
///   would lose the audio around it.
/// - Numbers too large for a `Double` (beyond ±1.8e308) are rejected, never turned into infinity.
/// - Nesting deeper than `JSON.maximumDepth` is rejected, so hostile input cannot exhaust the stack.
/// - A byte-order mark is not skipped (§8.1: senders MUST NOT add one).
struct JSONParser {
    let bytes: UnsafeBufferPointer<UInt8>
    /// The next byte to read; `JSONParser+Strings.swift` advances it too.
    var index = 0
    private var depth = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// Parses exactly one value, surrounded by optional whitespace, and nothing else.
    mutating func parseDocument() throws(JSONError) -> JSON {
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        guard index == bytes.count else {
            throw fail("unexpected \(describe(bytes[index])) after the JSON value", at: index)
        }
        return value
    }

    // MARK: - Values

    private mutating func parseValue() throws(JSONError) -> JSON {
        guard index < bytes.count else { throw fail("unexpected end of input, expected a value", at: index) }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        case let byte: throw fail("unexpected \(describe(byte)), expected a value", at: index)
        }
    }

    private mutating func parseObject() throws(JSONError) -> JSON {
        try enterContainer()
        index += 1
        var object = JSONObject()
        // Events have a handful of members: one allocation instead of growing 1, 2, 4, 8.
        object.reserveCapacity(8)
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            depth -= 1
            return .object(object)
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else {
                throw fail("expected a quoted member name in an object", at: index)
            }
            let key = try parseString()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                throw fail("expected ':' after the member name \"\(key)\"", at: index)
            }
            index += 1
            skipWhitespace()
            object.append(key, try parseValue())
            skipWhitespace()
            guard index < bytes.count else { throw fail("unterminated object, expected ',' or '}'", at: index) }
            switch bytes[index] {
            case UInt8(ascii: ","):
                index += 1
            case UInt8(ascii: "}"):
                index += 1
                depth -= 1
                return .object(object)
            case let byte:
                throw fail("unexpected \(describe(byte)) in an object, expected ',' or '}'", at: index)
            }
        }
    }

    private mutating func parseArray() throws(JSONError) -> JSON {
        try enterContainer()
        index += 1
        var elements: [JSON] = []
        elements.reserveCapacity(4)
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue())
            skipWhitespace()
            guard index < bytes.count else { throw fail("unterminated array, expected ',' or ']'", at: index) }
            switch bytes[index] {
            case UInt8(ascii: ","):
                index += 1
            case UInt8(ascii: "]"):
                index += 1
                depth -= 1
                return .array(elements)
            case let byte:
                throw fail("unexpected \(describe(byte)) in an array, expected ',' or ']'", at: index)
            }
        }
    }

    private mutating func enterContainer() throws(JSONError) {
        depth += 1
        guard depth <= JSON.maximumDepth else {
            throw fail("nesting deeper than \(JSON.maximumDepth) arrays/objects", at: index)
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONError) {
        let count = literal.utf8CodeUnitCount
        let expected = UnsafeBufferPointer(start: literal.utf8Start, count: count)
        for offset in 0..<count where index + offset >= bytes.count || bytes[index + offset] != expected[offset] {
            throw fail("invalid literal, expected '\(literal)'", at: index)
        }
        index += count
    }

    // MARK: - Numbers

    /// Powers of ten that a `Double` holds exactly (10^22 is the largest).
    private static let exactPowersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// RFC 8259 §6: `-? (0 | [1-9][0-9]*) (\.[0-9]+)? ([eE][+-]?[0-9]+)?`.
    private mutating func parseNumber() throws(JSONError) -> Double {
        let start = index
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else {
            throw fail("expected a digit after '-'", at: index)
        }
        // Significand digits as an integer and a decimal exponent, for the exact fast path;
        // once the digits pass 2^53 the slow path (the standard library's strtod) takes over.
        var significand: UInt64 = 0
        var exactSignificand = true
        var exponent = 0
        func accumulate(_ byte: UInt8) {
            guard exactSignificand else { return }
            let next = significand * 10 + UInt64(byte &- UInt8(ascii: "0"))
            if next > 1 << 53 { exactSignificand = false } else { significand = next }
        }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if index < bytes.count, isDigit(bytes[index]) {
                throw fail("leading zeros are not allowed in a number", at: start)
            }
        } else {
            while index < bytes.count, isDigit(bytes[index]) {
                accumulate(bytes[index])
                index += 1
            }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else {
                throw fail("expected a digit after the decimal point", at: index)
            }
            while index < bytes.count, isDigit(bytes[index]) {
                accumulate(bytes[index])
                exponent -= 1
                index += 1
            }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            var exponentSign = 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                if bytes[index] == UInt8(ascii: "-") { exponentSign = -1 }
                index += 1
            }
            guard index < bytes.count, isDigit(bytes[index]) else {
                throw fail("expected a digit in the exponent", at: index)
            }
            var written = 0
            while index < bytes.count, isDigit(bytes[index]) {
                if written < 100_000 { written = written * 10 + Int(bytes[index] &- UInt8(ascii: "0")) }
                index += 1
            }
            exponent += exponentSign * written
        }
        // Clinger's fast path: an exact significand scaled by an exact power of ten rounds once.
        if exactSignificand, exponent >= -22, exponent <= 22 {
            let magnitude = exponent >= 0
                ? Double(significand) * Self.exactPowersOfTen[exponent]
                : Double(significand) / Self.exactPowersOfTen[-exponent]
            return negative ? -magnitude : magnitude
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            throw fail("number \(text) is out of the range of a 64-bit float", at: start)
        }
        return value
    }

    // MARK: - Helpers

    private mutating func skipWhitespace() {
        // RFC 8259 §2: space, horizontal tab, line feed, carriage return, and nothing else.
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            default: return
            }
        }
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    func describe(_ byte: UInt8) -> String {
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x" + hex(byte)
    }

    func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }

    func fail(_ reason: String, at offset: Int) -> JSONError {
        JSONError(offset: offset, reason: reason)
    }
}
