/// `application/x-www-form-urlencoded` (WHATWG URL Standard §5), which is also how query strings
/// are written: Twilio webhooks post their parameters this way.
public enum HTTPForm {
    /// Decodes `name=value&name=value` into pairs, in order and with duplicates kept.
    ///
    /// `+` becomes a space, `%XX` becomes the byte XX, and an invalid escape (`%zz`, a trailing
    /// `%`) is kept literally, as the WHATWG parser does. Empty pieces (`a=1&&b=2`) are skipped; a
    /// piece without `=` is a name with an empty value. Bytes that are not UTF-8 become U+FFFD.
    public static func decode(_ s: some StringProtocol) -> [(String, String)] {
        var text = String(s)
        return text.withUTF8 { decode(UnsafeRawBufferPointer($0)) }
    }

    /// `decode` on raw bytes (a request body): one pass over contiguous memory, so a form of
    /// 16 kB costs tens of microseconds.
    public static func decode(_ bytes: UnsafeRawBufferPointer) -> [(String, String)] {
        var pairs: [(String, String)] = []
        var start = 0
        let count = bytes.count
        while start <= count {
            var end = start
            while end < count && bytes[end] != UInt8(ascii: "&") { end += 1 }
            if end > start {
                var equals = start
                while equals < end && bytes[equals] != UInt8(ascii: "=") { equals += 1 }
                if equals < end {
                    pairs.append((unescape(bytes, start, equals), unescape(bytes, equals + 1, end)))
                } else {
                    pairs.append((unescape(bytes, start, end), ""))
                }
            }
            start = end + 1
        }
        return pairs
    }

    /// `decode` of a body.
    public static func decode(_ bytes: [UInt8]) -> [(String, String)] {
        bytes.withUnsafeBytes { decode($0) }
    }

    /// Percent-encodes `s` for use as one query component: RFC 3986 unreserved characters
    /// (`A-Z a-z 0-9 - . _ ~`) stay, every other UTF-8 byte becomes `%XX` (upper-case hex), so a
    /// space is `%20` and `+`, `&`, `=` are escaped.
    public static func percentEncode(_ s: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(s.utf8.count)
        for byte in s.utf8 {
            if isUnreserved(byte) {
                bytes.append(byte)
            } else {
                bytes.append(UInt8(ascii: "%"))
                bytes.append(hexDigits[Int(byte >> 4)])
                bytes.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Encodes pairs as `name=value&…` with `percentEncode` on every name and value.
    public static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { percentEncode($0.0) + "=" + percentEncode($0.1) }.joined(separator: "&")
    }

    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    private static func unescape(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> String {
        var output: [UInt8] = []
        output.reserveCapacity(end - start)
        var index = start
        while index < end {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                output.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), index + 2 < end,
                      let high = HTTPSyntax.hexValue(bytes[index + 1]), let low = HTTPSyntax.hexValue(bytes[index + 2]) {
                output.append(UInt8(high << 4 | low))
                index += 2
            } else {
                output.append(byte)
            }
            index += 1
        }
        return String(decoding: output, as: UTF8.self)
    }
}
