import JSON

/// The model ids known to shut down, with their dates and replacements
/// (`config/model-deprecations.json`): checked when `serve` starts and by `voice-bridge check`,
/// so that a newcomer hears of a shutdown weeks before their handshakes start failing.
public struct ModelDeprecations: Sendable, Equatable {
    /// One model id that shuts down.
    public struct Entry: Sendable, Equatable {
        /// The exact model id (`gpt-realtime`, a dated snapshot such as `gpt-realtime-2025-08-28`).
        public var model: String
        /// The shutdown date, `YYYY-MM-DD` (UTC).
        public var shutdown: String
        /// What to use instead.
        public var replacement: String
    }

    /// What a model's row says today.
    public enum Verdict: Equatable, Sendable {
        /// Not in the table.
        case current
        /// Shuts down on `Entry.shutdown`, still answering.
        case deprecated(Entry)
        /// Past its shutdown date: handshakes are refused.
        case shutDown(Entry)
    }

    /// The entries, in the file's order.
    public private(set) var entries: [Entry] = []

    /// An empty table.
    public init() {}

    /// Parses `{"models": [{"model", "shutdown", "replacement"}, …]}`; a malformed entry is an
    /// error naming it and the field.
    public init(json text: String) throws {
        let root = try JSON.parse(text)
        guard let models = root["models"]?.arrayValue else {
            throw ModelDeprecationsError(message: "expected an object with a \"models\" array")
        }
        for (index, row) in models.enumerated() {
            func field(_ name: String) throws -> String {
                guard let value = row[name]?.stringValue, !value.isEmpty else {
                    throw ModelDeprecationsError(message: "entry \(index + 1) has no string \"\(name)\"")
                }
                return value
            }
            let shutdown = try field("shutdown")
            guard Self.isDate(shutdown) else {
                throw ModelDeprecationsError(message: "entry \(index + 1): shutdown \"\(shutdown.prefix(20))\" is not YYYY-MM-DD")
            }
            entries.append(Entry(model: try field("model"), shutdown: shutdown, replacement: try field("replacement")))
        }
    }

    /// The verdict for `model` on `today` (`YYYY-MM-DD`, UTC).
    public func verdict(for model: String, today: String) -> Verdict {
        guard let entry = entries.first(where: { $0.model == model }) else { return .current }
        return today >= entry.shutdown ? .shutDown(entry) : .deprecated(entry)
    }

    /// Today's UTC date as `YYYY-MM-DD`, from Unix seconds.
    public static func date(unixSeconds: Int64) -> String {
        // Civil-from-days (H. Hinnant), valid for the proleptic Gregorian calendar.
        let days = unixSeconds >= 0 ? unixSeconds / 86_400 : (unixSeconds - 86_399) / 86_400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(year)-\(two(month))-\(two(day))"
    }

    private static func isDate(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return false }
        return bytes.enumerated().allSatisfy { index, byte in index == 4 || index == 7 || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
    }
}

/// A malformed deprecation table.
public struct ModelDeprecationsError: Error, CustomStringConvertible, Sendable {
    /// What is wrong.
    public let message: String
    public var description: String { "model deprecation table: \(message)" }
}
