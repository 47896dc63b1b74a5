#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns one log event into one line of logfmt or JSON, secrets masked.
///
/// Keys, in order: `level`, `time` (UTC, milliseconds), `msg`, the logger's context fields, then
/// the call's own fields.
enum LogLineFormatter {
    /// The finished line, without a line ending.
    static func line(level: LogLevel, message: String, fields: [(String, String)],
                     format: LogFormat, redactor: LogRedactor, time: String = timestamp()) -> String {
        // Values can come from peers (a parse error quoting a megabyte of input): each is cut,
        // after redaction of a window long enough that no secret straddles the cut unmasked.
        let margin = 256 + (redactor.secrets.map(\.utf8.count).max() ?? 0)
        let message = bounded(message, to: maxMessageBytes, margin: margin, redactor.redact)
        let fields = fields.prefix(maxFields).map { field in
            (clipped(field.0, to: 64, note: false),
             bounded(field.1, to: maxValueBytes, margin: margin) { redactor.redactField(key: field.0, value: $0) })
        }
        switch format {
        case .logfmt:
            var line = "level=\(level.name) time=\(time) msg=\(quotedLogfmt(message))"
            for (key, value) in fields {
                line += " \(logfmtKey(key))=\(logfmtValue(value))"
            }
            return line
        case .json:
            var line = "{\"level\":\(jsonString(level.name)),\"time\":\(jsonString(time)),\"msg\":\(jsonString(message))"
            for (key, value) in fields {
                line += ",\(jsonString(key)):\(jsonString(value))"
            }
            return line + "}"
        }
    }

    /// The longest message kept, in UTF-8 bytes; the rest is cut with a note of how much.
    static let maxMessageBytes = 1_024
    /// The longest field value kept, in UTF-8 bytes.
    static let maxValueBytes = 512
    /// The most fields one line carries.
    static let maxFields = 48

    /// `text` redacted and cut to `limit` UTF-8 bytes, with `…(+N bytes)` for what was cut. Only
    /// `limit + margin` bytes are redacted, so a megabyte costs no more than a short value; a
    /// secret (at most `margin` bytes) across the cut is masked whole before the cut.
    static func bounded(_ text: String, to limit: Int, margin: Int, _ redact: (String) -> String) -> String {
        let count = text.utf8.count
        guard count > limit else { return redact(text) }
        let head = clipped(redact(clipped(text, to: limit + margin, note: false)), to: limit, note: false)
        return head + "…(+\(max(0, count - head.utf8.count)) bytes)"
    }

    /// `text` cut to at most `limit` UTF-8 bytes on a character boundary, with `…(+N bytes)`
    /// when `note` and something was cut.
    static func clipped(_ text: String, to limit: Int, note: Bool = true) -> String {
        let count = text.utf8.count
        guard count > limit else { return text }
        var end = text.utf8.index(text.utf8.startIndex, offsetBy: limit)
        while end > text.utf8.startIndex && text.utf8[end] & 0xC0 == 0x80 {  // not inside a scalar
            end = text.utf8.index(before: end)
        }
        let head = String(text.utf8[..<end]) ?? String(decoding: text.utf8[..<end], as: UTF8.self)
        return note ? head + "…(+\(count - text.utf8.distance(from: text.utf8.startIndex, to: end)) bytes)" : head
    }

    /// Now, as `2026-11-29T11:45:47.123Z`.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var parts = tm()
        var seconds = now.tv_sec
        gmtime_r(&seconds, &parts)
        return pad(Int(parts.tm_year) + 1900, 4) + "-" + pad(Int(parts.tm_mon) + 1, 2) + "-" + pad(Int(parts.tm_mday), 2)
            + "T" + pad(Int(parts.tm_hour), 2) + ":" + pad(Int(parts.tm_min), 2) + ":" + pad(Int(parts.tm_sec), 2)
            + "." + pad(Int(now.tv_nsec) / 1_000_000, 3) + "Z"
    }

    // MARK: - logfmt

    /// A value as is when it is a plain word, otherwise quoted and escaped.
    static func logfmtValue(_ value: String) -> String {
        let plain = !value.isEmpty && value.unicodeScalars.allSatisfy {
            $0.value > 0x20 && $0.value != 0x7F && $0 != "=" && $0 != "\"" && $0 != "\\"
        }
        return plain ? value : quotedLogfmt(value)
    }

    /// `"…"` with `"`, `\` and control characters escaped so the line stays one line.
    static func quotedLogfmt(_ value: String) -> String {
        quoted(value, escapingDelete: true)
    }

    /// `"…"` with `"`, `\`, the usual short escapes and `\u00XX` for other control characters
    /// (and DEL when `escapingDelete`): one escaper for logfmt and JSON (RFC 8259 §7).
    private static func quoted(_ value: String, escapingDelete: Bool) -> String {
        var result = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                if scalar.value < 0x20 || (escapingDelete && scalar.value == 0x7F) {
                    result += "\\u" + hex4(scalar.value)
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
    }

    /// A key with anything that would break the `key=value` shape replaced by `_`.
    static func logfmtKey(_ key: String) -> String {
        guard !key.isEmpty else { return "_" }
        var result = String.UnicodeScalarView()
        for scalar in key.unicodeScalars {
            let breaks = scalar.value <= 0x20 || scalar.value == 0x7F || scalar == "=" || scalar == "\""
            result.append(breaks ? "_" : scalar)
        }
        return String(result)
    }

    // MARK: - JSON (RFC 8259 §7)

    /// A JSON string literal for `value`.
    static func jsonString(_ value: String) -> String {
        quoted(value, escapingDelete: false)
    }

    // MARK: - Digits

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    private static func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
