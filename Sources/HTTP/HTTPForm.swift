/// `application/x-www-form-urlencoded` (WHATWG URL Standard §5), which is also how query strings
/// are written: Twilio webhooks post their parameters this way.
public enum HTTPForm {
    /// Decodes `name=value&name=value` into pairs, in order and with duplicates kept.
    ///
    /// `+` becomes a space, `%XX` becomes the byte XX, and an invalid escape (`%zz`, a trailing
    /// `%`) is kept literally, as the WHATWG parser does. Empty pieces (`a=1&&b=2`) are skipped; a
    /// piece without `=` is a name with an empty value. Bytes that are not UTF-8 become U+FFFD.
    public static func decode(_ s: some StringProtocol) -> [(String, String)] {
        var pairs: [(String, String)] = []
        for piece in s.utf8.split(separator: UInt8(ascii: "&")) {
            if let equals = piece.firstIndex(of: UInt8(ascii: "=")) {
                pairs.append((unescape(piece[..<equals]), unescape(piece[piece.index(after: equals)...])))
            } else {
                pairs.append((unescape(piece[...]), ""))
            }
        }
        return pairs
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

    private static func unescape<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                output.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"),
                      let first = bytes.index(index, offsetBy: 1, limitedBy: bytes.endIndex), first != bytes.endIndex,
                      let second = bytes.index(index, offsetBy: 2, limitedBy: bytes.endIndex), second != bytes.endIndex,
                      let high = HTTPSyntax.hexValue(bytes[first]), let low = HTTPSyntax.hexValue(bytes[second]) {
                output.append(UInt8(high << 4 | low))
                index = second
            } else {
                output.append(byte)
            }
            index = bytes.index(after: index)
        }
        return String(decoding: output, as: UTF8.self)
    }
}
