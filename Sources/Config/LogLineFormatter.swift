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
        let message = redactor.redact(message)
        let fields = fields.map { ($0.0, redactor.redactField(key: $0.0, value: $0.1)) }
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
        var result = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
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
        var result = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default:
                if scalar.value < 0x20 {
                    result += "\\u" + hex4(scalar.value)
                } else {
                    result.unicodeScalars.append(scalar)
                }
            }
        }
        return result + "\""
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
