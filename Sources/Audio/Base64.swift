/// Standard padded base64 (RFC 4648 §4) for audio payloads, without Foundation: the caller-audio
/// batcher re-encodes Twilio's 20 ms payloads as one larger chunk on the audio path.
public enum Base64 {
    /// Appends the bytes `text` encodes to `output`. False (and `output` unchanged) unless
    /// `text` is padded standard base64: length a multiple of 4, alphabet `A–Z a–z 0–9 + /`,
    /// at most two `=` and only at the end.
    public static func decode(_ text: UnsafeRawBufferPointer, appendingTo output: inout [UInt8]) -> Bool {
        guard text.count % 4 == 0 else { return false }
        var padding = 0
        if text.count > 0, text[text.count - 1] == UInt8(ascii: "=") { padding += 1 }
        if padding == 1, text.count > 1, text[text.count - 2] == UInt8(ascii: "=") { padding += 1 }
        let start = output.count
        output.reserveCapacity(start + text.count / 4 * 3)
        var index = 0
        while index < text.count {
            let last = index + 4 == text.count
            let a = decodeTable[Int(text[index])], b = decodeTable[Int(text[index + 1])]
            let c = last && padding == 2 ? 0 : decodeTable[Int(text[index + 2])]
            let d = last && padding >= 1 ? 0 : decodeTable[Int(text[index + 3])]
            guard a | b | c | d < 64 else {
                output.removeSubrange(start...)
                return false
            }
            let group = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
            output.append(UInt8(truncatingIfNeeded: group >> 16))
            if !(last && padding == 2) { output.append(UInt8(truncatingIfNeeded: group >> 8)) }
            if !(last && padding >= 1) { output.append(UInt8(truncatingIfNeeded: group)) }
            index += 4
        }
        return true
    }

    /// `bytes` as padded standard base64.
    public static func encode(_ bytes: UnsafeRawBufferPointer) -> String {
        let length = (bytes.count + 2) / 3 * 4
        return String(unsafeUninitializedCapacity: length) { out in
            var o = 0, i = 0
            while i + 3 <= bytes.count {
                let group = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
                out[o] = alphabet[Int(group >> 18)]
                out[o + 1] = alphabet[Int(group >> 12 & 63)]
                out[o + 2] = alphabet[Int(group >> 6 & 63)]
                out[o + 3] = alphabet[Int(group & 63)]
                i += 3
                o += 4
            }
            let rest = bytes.count - i
            if rest > 0 {
                let group = UInt32(bytes[i]) << 16 | (rest == 2 ? UInt32(bytes[i + 1]) << 8 : 0)
                out[o] = alphabet[Int(group >> 18)]
                out[o + 1] = alphabet[Int(group >> 12 & 63)]
                out[o + 2] = rest == 2 ? alphabet[Int(group >> 6 & 63)] : UInt8(ascii: "=")
                out[o + 3] = UInt8(ascii: "=")
                o += 4
            }
            return o
        }
    }

    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// 0–63 for the alphabet, 255 for every other byte (`=` included: padding is handled apart).
    private static let decodeTable: [UInt8] = {
        var table = [UInt8](repeating: 255, count: 256)
        for (value, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(value) }
        return table
    }()
}
