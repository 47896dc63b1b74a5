/// Byte-level helpers for building and scanning the few JSON events the load tool handles per
/// frame. The load side shares a core with nothing but itself, yet it must stay cheaper than the
/// bridge it measures, so its hot path splices bytes instead of building JSON trees. Events it
/// does not expect still go through the real `JSON` parser.
enum ByteText {
    /// Appends the UTF-8 of `text`.
    @inline(__always)
    static func append(_ text: StaticString, to output: inout [UInt8]) {
        text.withUTF8Buffer { output.append(contentsOf: $0) }
    }

    /// Appends `value` in decimal.
    static func appendDecimal(_ value: Int, to output: inout [UInt8]) {
        if value < 0 { output.append(UInt8(ascii: "-")); appendDecimal(-value, to: &output); return }
        if value >= 10 { appendDecimal(value / 10, to: &output) }
        output.append(UInt8(ascii: "0") + UInt8(value % 10))
    }

    /// How many bytes the padded base64 `text` decodes to (it is not checked).
    static func base64DecodedCount(_ text: UnsafeRawBufferPointer) -> Int {
        guard text.count >= 4 else { return 0 }
        let padding = (text[text.count - 1] == UInt8(ascii: "=") ? 1 : 0) + (text[text.count - 2] == UInt8(ascii: "=") ? 1 : 0)
        return text.count / 4 * 3 - padding
    }

    /// Whether `bytes` starts with `prefix`.
    static func hasPrefix(_ bytes: UnsafeRawBufferPointer, _ prefix: StaticString) -> Bool {
        prefix.withUTF8Buffer { p in
            guard bytes.count >= p.count else { return false }
            for i in 0..<p.count where bytes[i] != p[i] { return false }
            return true
        }
    }

    /// The offset just past the first occurrence of `needle` at or after `start`, or nil.
    static func indexAfter(_ needle: StaticString, in bytes: UnsafeRawBufferPointer, from start: Int = 0) -> Int? {
        needle.withUTF8Buffer { n in
            guard n.count > 0, bytes.count >= n.count else { return nil }
            var i = start
            let last = bytes.count - n.count
            let first = n[0]
            while i <= last {
                if bytes[i] == first {
                    var k = 1
                    while k < n.count && bytes[i + k] == n[k] { k += 1 }
                    if k == n.count { return i + n.count }
                }
                i += 1
            }
            return nil
        }
    }

    /// The offset of the next `"` at or after `start` (no escapes expected: base64 and ids), or nil.
    static func closingQuote(in bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        var i = start
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "\"") { return i }
            if bytes[i] == UInt8(ascii: "\\") { return nil }
            i += 1
        }
        return nil
    }
}
