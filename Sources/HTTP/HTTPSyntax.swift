/// Byte-level grammar shared by the request and response parsers (RFC 9110 §5, RFC 9112 §2-§5).
///
/// Everything works on borrowed bytes; Strings are made only once a field is known to be valid.
enum HTTPSyntax {
    static let cr = UInt8(ascii: "\r")
    static let lf = UInt8(ascii: "\n")
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let colon = UInt8(ascii: ":")

    /// RFC 9110 §5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." /
    /// "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
    @inline(__always)
    static func isTokenChar(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"),
             UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
             UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// RFC 9110 §5.5: field-vchar = VCHAR / obs-text, plus SP and HTAB inside a value.
    /// CR, LF, NUL and other controls are rejected (request smuggling vectors).
    @inline(__always)
    static func isFieldValueChar(_ byte: UInt8) -> Bool {
        byte == tab || (byte >= 0x20 && byte != 0x7F)
    }

    @inline(__always)
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == space || byte == tab
    }

    @inline(__always)
    static func asciiLowercased(_ byte: UInt8) -> UInt8 {
        (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) ? byte | 0x20 : byte
    }

    /// Drops leading and trailing SP / HTAB (OWS).
    static func trimmingWhitespace<C: BidirectionalCollection>(_ bytes: C) -> C.SubSequence where C.Element == UInt8 {
        var start = bytes.startIndex
        var end = bytes.endIndex
        while start < end, isWhitespace(bytes[start]) { start = bytes.index(after: start) }
        while end > start, isWhitespace(bytes[bytes.index(before: end)]) { end = bytes.index(before: end) }
        return bytes[start..<end]
    }

    /// Index of the first LF in `bytes[from...]`, or nil.
    static func firstLineFeed(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var index = start
        while index < bytes.count {
            if bytes[index] == lf { return index }
            index += 1
        }
        return nil
    }

    /// Parses one `field-name ":" OWS field-value OWS` line (without its CRLF).
    ///
    /// RFC 9112 §5.1: "No whitespace is allowed between the field name and colon";
    /// RFC 9112 §5.2: obs-fold (a line starting with SP or HTAB) is rejected with 400.
    static func parseFieldLine(_ line: UnsafeBufferPointer<UInt8>, status: Int) throws(HTTPParseError) -> (String, String) {
        guard let first = line.first else {
            throw HTTPParseError(status: status, reason: "empty header line")
        }
        if isWhitespace(first) {
            throw HTTPParseError(status: status, reason: "obsolete line folding (a header line starting with whitespace) is not accepted")
        }
        var colonIndex = -1
        for index in 0..<line.count {
            let byte = line[index]
            if byte == colon { colonIndex = index; break }
            guard isTokenChar(byte) else {
                let what = isWhitespace(byte) ? "whitespace before the colon" : "byte 0x\(String(byte, radix: 16))"
                throw HTTPParseError(status: status, reason: "invalid header name: \(what) in '\(printable(line))'")
            }
        }
        guard colonIndex > 0 else {
            throw HTTPParseError(status: status, reason: colonIndex == 0 ? "header line with an empty name" : "header line without a colon: '\(printable(line))'")
        }
        let value = trimmingWhitespace(UnsafeBufferPointer(rebasing: line[(colonIndex + 1)...]))
        for byte in value where !isFieldValueChar(byte) {
            throw HTTPParseError(status: status, reason: "control byte 0x\(String(byte, radix: 16)) in the value of header '\(string(UnsafeBufferPointer(rebasing: line[..<colonIndex])))'")
        }
        return (string(UnsafeBufferPointer(rebasing: line[..<colonIndex])), string(UnsafeBufferPointer(rebasing: value)))
    }

    /// Parses `HTTP/x.y` (RFC 9112 §2.3: HTTP-version = HTTP-name "/" DIGIT "." DIGIT).
    static func parseVersion(_ bytes: UnsafeBufferPointer<UInt8>) -> HTTPVersion? {
        guard bytes.count == 8,
              bytes[0] == UInt8(ascii: "H"), bytes[1] == UInt8(ascii: "T"), bytes[2] == UInt8(ascii: "T"),
              bytes[3] == UInt8(ascii: "P"), bytes[4] == UInt8(ascii: "/"), bytes[6] == UInt8(ascii: "."),
              let major = digitValue(bytes[5]), let minor = digitValue(bytes[7]) else { return nil }
        return HTTPVersion(major: major, minor: minor)
    }

    @inline(__always)
    static func digitValue(_ byte: UInt8) -> Int? {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) ? Int(byte - UInt8(ascii: "0")) : nil
    }

    @inline(__always)
    static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return Int(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return Int(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    /// Parses every `Content-Length` value (each may be a comma-separated list, RFC 9110 §8.6).
    /// Returns nil when there is none; throws when one is not all digits or two differ.
    static func contentLength(_ headers: HTTPHeaders, status: Int) throws(HTTPParseError) -> Int? {
        var result: Int?
        for value in headers.values("Content-Length") {
            for element in value.utf8.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
                let digits = trimmingWhitespace(element)
                guard !digits.isEmpty else {
                    throw HTTPParseError(status: status, reason: "empty Content-Length value")
                }
                var length = 0
                for byte in digits {
                    guard let digit = digitValue(byte) else {
                        throw HTTPParseError(status: status, reason: "Content-Length '\(value)' is not a decimal number")
                    }
                    // Saturate instead of overflowing: any such length is over every limit anyway.
                    length = length > (Int.max - 9) / 10 ? Int.max : length * 10 + digit
                }
                if let previous = result, previous != length {
                    throw HTTPParseError(status: status, reason: "conflicting Content-Length values \(previous) and \(length)")
                }
                result = length
            }
        }
        return result
    }

    /// The transfer codings listed in every `Transfer-Encoding` field, lower-cased, in order.
    static func transferCodings(_ headers: HTTPHeaders) -> [String] {
        headers.values("Transfer-Encoding").flatMap { value in
            value.utf8.split(separator: UInt8(ascii: ",")).compactMap { element -> String? in
                let coding = trimmingWhitespace(element)
                return coding.isEmpty ? nil : String(decoding: coding.map(asciiLowercased), as: UTF8.self)
            }
        }
    }

    static func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    /// The first 80 bytes of `bytes` with controls escaped, for error messages.
    static func printable(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        var text = ""
        for byte in bytes.prefix(80) {
            if byte >= 0x20 && byte < 0x7F {
                text.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                text += "\\x" + (byte < 16 ? "0" : "") + String(byte, radix: 16)
            }
        }
        return bytes.count > 80 ? text + "…" : text
    }
}
