/// The one base64 of the project (RFC 4648): standard padded base64 for audio payloads, the
/// WebSocket handshake, signatures and Basic credentials, and unpadded base64url for tokens —
/// without Foundation, since the audio path validates, decodes and encodes with it.
public enum Base64 {
    /// Whether `bytes` are padded standard base64 (§4): only `A–Z a–z 0–9 + /`, at most two
    /// trailing `=`, length a multiple of 4. Such text needs no JSON escaping, which is what lets
    /// audio payloads be spliced into events by concatenation. The empty string qualifies.
    public static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard bytes.count % 4 == 0 else { return false }
        var end = bytes.count
        if end > 0, bytes[end - 1] == UInt8(ascii: "=") { end -= 1 }
        if end > 0, bytes[end - 1] == UInt8(ascii: "=") { end -= 1 }
        return alphabetEnd(in: UnsafeRawBufferPointer(rebasing: bytes[0..<end]), from: 0) == end
    }

    /// The offset of the first byte at or after `start` outside the standard alphabet
    /// (`A–Z a–z 0–9 + /`; `=` is outside), or `bytes.count`. `isValid` is this plus the padding
    /// rules; a JSON index (`JSONFlatObject`) calls it to check a payload while finding its end.
    public static func alphabetEnd(in bytes: UnsafeRawBufferPointer, from start: Int) -> Int {
        guard let base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return start }
        // A table and an OR per byte, one branch per eight: this runs on every audio chunk of every call.
        return rejects.withUnsafeBufferPointer { rejects in
            let table = rejects.baseAddress!  // 256 entries: any byte indexes it
            var cursor = start
            while cursor + 8 <= bytes.count {
                let p = base + cursor
                let rejected = table[Int(p[0])] | table[Int(p[1])] | table[Int(p[2])] | table[Int(p[3])]
                    | table[Int(p[4])] | table[Int(p[5])] | table[Int(p[6])] | table[Int(p[7])]
                if rejected != 0 { break }
                cursor += 8
            }
            while cursor < bytes.count, table[Int(base[cursor])] == 0 { cursor += 1 }
            return cursor
        }
    }

    /// Whether `text` is padded standard base64; see `isValid(_: UnsafeRawBufferPointer)`.
    public static func isValid(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { isValid(UnsafeRawBufferPointer($0)) }
    }

    /// The bytes `text` encodes, or nil unless it is padded standard base64.
    public static func decode(_ text: String) -> [UInt8]? {
        var text = text
        var output: [UInt8] = []
        let ok = text.withUTF8 { decode(UnsafeRawBufferPointer($0), appendingTo: &output) }
        return ok ? output : nil
    }

    /// The bytes `text` encodes, or nil unless it is padded standard base64.
    public static func decode(_ text: UnsafeRawBufferPointer) -> [UInt8]? {
        var output: [UInt8] = []
        return decode(text, appendingTo: &output) ? output : nil
    }

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
    public static func encode(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { encode($0) }
    }

    /// `bytes` as padded standard base64, appended to `output` (no `String` in between).
    public static func encode(_ bytes: UnsafeRawBufferPointer, appendingTo output: inout [UInt8]) {
        let start = output.count
        output.append(contentsOf: repeatElement(0, count: (bytes.count + 2) / 3 * 4))
        output.withUnsafeMutableBufferPointer { out in
            _ = encode(bytes, into: UnsafeMutableBufferPointer(rebasing: out[start...]), alphabet: alphabet, padded: true)
        }
    }

    /// `bytes` as unpadded base64url (§5: `-` and `_` for `+` and `/`), for tokens in URLs and
    /// parameters.
    public static func encodeURL(_ bytes: [UInt8]) -> String {
        let length = (bytes.count * 4 + 2) / 3
        return bytes.withUnsafeBytes { raw in
            String(unsafeUninitializedCapacity: length) { out in
                encode(raw, into: out, alphabet: urlAlphabet, padded: false)
            }
        }
    }

    /// `bytes` as padded standard base64.
    public static func encode(_ bytes: UnsafeRawBufferPointer) -> String {
        String(unsafeUninitializedCapacity: (bytes.count + 2) / 3 * 4) { out in
            encode(bytes, into: out, alphabet: alphabet, padded: true)
        }
    }

    /// Writes the encoding of `bytes` to `out` (which has room for it); returns its length.
    private static func encode(_ bytes: UnsafeRawBufferPointer, into out: UnsafeMutableBufferPointer<UInt8>,
                               alphabet: [UInt8], padded: Bool) -> Int {
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
            o += 2
            if rest == 2 {
                out[o] = alphabet[Int(group >> 6 & 63)]
                o += 1
            } else if padded {
                out[o] = UInt8(ascii: "=")
                o += 1
            }
            if padded {
                out[o] = UInt8(ascii: "=")
                o += 1
            }
        }
        return o
    }

    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let urlAlphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// 1 for every byte outside the standard alphabet, 0 inside it (`alphabetEnd`).
    private static let rejects: [UInt8] = (0...255).map { value in
        switch UInt8(value) {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "/"):
            return 0
        default:
            return 1
        }
    }

    /// 0–63 for the alphabet, 255 for every other byte (`=` included: padding is handled apart).
    private static let decodeTable: [UInt8] = {
        var table = [UInt8](repeating: 255, count: 256)
        for (value, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(value) }
        return table
    }()
}
