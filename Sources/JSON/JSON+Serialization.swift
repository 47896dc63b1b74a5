/// Writing JSON text: compact, members in insertion order, the minimum of escaping RFC 8259 §7
/// requires (`"`, `\` and control characters; `/` and non-ASCII are written as they are).
extension JSON {
    /// The compact JSON text of this value.
    public func serialized() -> String {
        var output = ""
        serialize(into: &output)
        return output
    }

    /// Appends the compact JSON text of this value to `output`.
    public func serialize(into output: inout String) {
        switch self {
        case .null:
            output += "null"
        case .bool(let value):
            output += value ? "true" : "false"
        case .number(let value):
            JSON.appendNumber(value, to: &output)
        case .string(let value):
            JSON.appendQuoted(value, to: &output)
        case .array(let elements):
            output += "["
            for (position, element) in elements.enumerated() {
                if position > 0 { output += "," }
                element.serialize(into: &output)
            }
            output += "]"
        case .object(let object):
            output += "{"
            var first = true
            for (key, value) in object {
                if !first { output += "," }
                first = false
                JSON.appendQuoted(key, to: &output)
                output += ":"
                value.serialize(into: &output)
            }
            output += "}"
        }
    }

    /// `s` as a JSON string literal, quotes included: the safe way to splice text into an event
    /// built by concatenation.
    public static func quoted(_ s: String) -> String {
        var output = ""
        appendQuoted(s, to: &output)
        return output
    }

    /// Appends `s` as a JSON string literal, quotes included, to `output`.
    public static func appendQuoted(_ s: String, to output: inout String) {
        guard needsEscaping(s) else {
            output += "\""
            output += s
            output += "\""
            return
        }
        var escaped: [UInt8] = [UInt8(ascii: "\"")]
        escaped.reserveCapacity(s.utf8.count + 16)
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): escaped += [0x5C, UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): escaped += [0x5C, 0x5C]
            case 0x08: escaped += [0x5C, UInt8(ascii: "b")]
            case 0x0C: escaped += [0x5C, UInt8(ascii: "f")]
            case 0x0A: escaped += [0x5C, UInt8(ascii: "n")]
            case 0x0D: escaped += [0x5C, UInt8(ascii: "r")]
            case 0x09: escaped += [0x5C, UInt8(ascii: "t")]
            case 0..<0x20:
                let hexDigits = Array("0123456789abcdef".utf8)
                escaped += [0x5C, UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                            hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]]
            default: escaped.append(byte)
            }
        }
        escaped.append(UInt8(ascii: "\""))
        output += String(decoding: escaped, as: UTF8.self)
    }

    /// Integral values within ±2^53 print as integers (`-0` keeps its sign); other finite values
    /// print Swift's shortest round-trip form (`0.1`, `1e+300`); NaN and infinities print `null`,
    /// since JSON has no spelling for them.
    private static func appendNumber(_ value: Double, to output: inout String) {
        guard value.isFinite else {
            output += "null"
            return
        }
        if value.rounded(.towardZero) == value, abs(value) <= 9_007_199_254_740_992 {
            if value == 0, value.sign == .minus {
                output += "-0"
            } else {
                output += String(Int64(value))
            }
        } else {
            output += value.description
        }
    }

    /// Whether `s` holds a byte that a JSON string literal must escape (`"`, `\`, control
    /// characters): if not, `"` + s + `"` is its literal. Called per frame for stream ids and mark
    /// names, so it runs over the contiguous UTF-8 in one plain loop.
    public static func needsEscaping(_ s: String) -> Bool {
        if let answer = s.utf8.withContiguousStorageIfAvailable({ bytes -> Bool in
            var found = false
            for byte in bytes where needsEscape(byte) { found = true; break }
            return found
        }) {
            return answer
        }
        return s.utf8.contains(where: needsEscape)
    }

    @inline(__always)
    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }
}

extension JSON {
    /// The pieces joined into one `String` with a single allocation and copy: how the per-frame
    /// events are built by concatenation (repeated `+=` grows and re-checks the string each time).
    /// The pieces are spliced as they are; quote what needs quoting first (`needsEscaping`, `quoted`).
    public static func joined(_ pieces: String...) -> String {
        var total = 0
        for piece in pieces { total += piece.utf8.count }
        return String(unsafeUninitializedCapacity: total) { buffer in
            var offset = 0
            for piece in pieces {
                let copied = piece.utf8.withContiguousStorageIfAvailable { utf8 -> Int in
                    UnsafeMutableRawBufferPointer(UnsafeMutableBufferPointer(rebasing: buffer[offset...])).copyMemory(from: UnsafeRawBufferPointer(utf8))
                    return utf8.count
                }
                if let copied {
                    offset += copied
                } else {
                    for byte in piece.utf8 { buffer[offset] = byte; offset += 1 }
                }
            }
            return offset
        }
    }
}
