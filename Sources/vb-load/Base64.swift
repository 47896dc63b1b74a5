/// Standard base64 (RFC 4648 §4, with padding) over byte buffers, for the load tool's hot path:
/// no `Data`, no `String` in between.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, char) in alphabet.enumerated() { table[Int(char)] = UInt8(index) }
        return table
    }()

    /// Appends the base64 text of `bytes` to `output`.
    static func append(_ bytes: [UInt8], to output: inout [UInt8]) {
        var i = 0
        while i + 3 <= bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            output.append(alphabet[Int(n >> 18 & 63)]); output.append(alphabet[Int(n >> 12 & 63)])
            output.append(alphabet[Int(n >> 6 & 63)]); output.append(alphabet[Int(n & 63)])
            i += 3
        }
        let left = bytes.count - i
        if left > 0 {
            let n = UInt32(bytes[i]) << 16 | (left == 2 ? UInt32(bytes[i + 1]) << 8 : 0)
            output.append(alphabet[Int(n >> 18 & 63)]); output.append(alphabet[Int(n >> 12 & 63)])
            output.append(left == 2 ? alphabet[Int(n >> 6 & 63)] : UInt8(ascii: "="))
            output.append(UInt8(ascii: "="))
        }
    }

    /// The bytes of base64 `text` (length a multiple of 4), or nil if it is not base64.
    static func decode(_ text: UnsafeRawBufferPointer) -> [UInt8]? {
        guard text.count % 4 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(text.count / 4 * 3)
        var i = 0
        while i < text.count {
            let pad = (text[i + 3] == UInt8(ascii: "=") ? 1 : 0) + (text[i + 2] == UInt8(ascii: "=") ? 1 : 0)
            guard pad == 0 || i + 4 == text.count else { return nil }
            var n: UInt32 = 0
            for k in 0..<(4 - pad) {
                let v = values[Int(text[i + k])]
                guard v != 0xFF else { return nil }
                n |= UInt32(v) << UInt32(18 - 6 * k)
            }
            out.append(UInt8(truncatingIfNeeded: n >> 16))
            if pad < 2 { out.append(UInt8(truncatingIfNeeded: n >> 8)) }
            if pad < 1 { out.append(UInt8(truncatingIfNeeded: n)) }
            i += 4
        }
        return out
    }
}
