/// Writes the Prometheus text exposition format, version 0.0.4, by hand.
///
/// The rules followed (Prometheus "Exposition formats"): each family is introduced by one
/// `# HELP` and one `# TYPE` line before its samples, and its samples are contiguous; in HELP
/// text `\` and line feed are escaped as `\\` and `\n`; in label values also `"` as `\"`;
/// values are Go-style floats (`+Inf`, `-Inf`, `NaN`); every line ends with `\n`.
public struct PrometheusText {
    /// The metric types this exporter emits.
    enum Kind: String {
        case counter, gauge, histogram
    }

    /// The media type scrapers expect for this format.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// The document so far.
    private(set) var output = ""

    /// Starts a family: `# HELP name help` and `# TYPE name kind`.
    mutating func family(_ name: String, _ kind: Kind, help: String) {
        output += "# HELP \(name) \(Self.escapedHelp(help))\n# TYPE \(name) \(kind.rawValue)\n"
    }

    /// One sample line: `name{label="value",…} value`.
    mutating func sample(_ name: String, _ labels: [(String, String)] = [], _ value: Double) {
        output += name
        if !labels.isEmpty {
            output += "{"
            output += labels.map { "\($0.0)=\"\(Self.escapedLabelValue($0.1))\"" }.joined(separator: ",")
            output += "}"
        }
        output += " " + Self.format(value) + "\n"
    }

    /// One sample line with an integer value.
    mutating func sample(_ name: String, _ labels: [(String, String)] = [], _ value: Int) {
        sample(name, labels, Double(value))
    }

    /// A family with a single unlabelled sample.
    mutating func single(_ name: String, _ kind: Kind, help: String, _ value: Double) {
        family(name, kind, help: help)
        sample(name, [], value)
    }

    /// HELP text: `\` and line feed escaped.
    static func escapedHelp(_ text: String) -> String { escaped(text, quotes: false) }

    /// A label value: `\`, line feed and `"` escaped.
    static func escapedLabelValue(_ text: String) -> String { escaped(text, quotes: true) }

    private static func escaped(_ text: String, quotes: Bool) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\"" where quotes: out += "\\\""
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A value as Go's `strconv.ParseFloat` reads it: whole numbers without a fraction.
    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 9_007_199_254_740_992 { return String(Int64(value)) }
        return String(value)
    }
}
