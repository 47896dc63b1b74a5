/// The header fields of an HTTP message: ordered `(name, value)` pairs, kept as received.
///
/// Names compare ASCII case-insensitively (RFC 9110 §5.1); the original spelling is kept for
/// serialization. Lookups are linear scans, which beat hashing for the dozen fields a message has.
public struct HTTPHeaders: Sequence, Sendable, Equatable, ExpressibleByDictionaryLiteral, CustomStringConvertible {
    /// One header field line.
    public typealias Element = (name: String, value: String)

    private var fields: [Element]

    /// Creates an empty header list.
    public init() {
        fields = []
    }

    /// Creates a header list from pairs, in order.
    public init(_ pairs: [(String, String)]) {
        fields = pairs.map { (name: $0.0, value: $0.1) }
    }

    /// Creates a header list from a literal such as `["Content-Type": "text/plain"]`, in order.
    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }

    /// The number of field lines.
    public var count: Int { fields.count }

    /// True when there is no field line.
    public var isEmpty: Bool { fields.isEmpty }

    /// Iterates the field lines in order.
    public func makeIterator() -> IndexingIterator<[Element]> {
        fields.makeIterator()
    }

    /// The first value of the field `name` (case-insensitive), or nil when absent.
    public subscript(_ name: String) -> String? {
        for field in fields where Self.namesEqual(field.name, name) {
            return field.value
        }
        return nil
    }

    /// Every value of the field `name` (case-insensitive), in order.
    public func values(_ name: String) -> [String] {
        fields.compactMap { Self.namesEqual($0.name, name) ? $0.value : nil }
    }

    /// True when a field `name` lists `token` among its comma-separated elements, compared
    /// ASCII case-insensitively, e.g. `contains("Connection", token: "upgrade")` for
    /// `Connection: keep-alive, Upgrade`.
    public func contains(_ name: String, token: String) -> Bool {
        for field in fields where Self.namesEqual(field.name, name) {
            for element in field.value.utf8.split(separator: UInt8(ascii: ",")) {
                if Self.asciiCaseInsensitiveEqual(HTTPSyntax.trimmingWhitespace(element), token.utf8) {
                    return true
                }
            }
        }
        return false
    }

    /// True when at least one field is named `name` (case-insensitive).
    public func contains(_ name: String) -> Bool {
        fields.contains { Self.namesEqual($0.name, name) }
    }

    /// Appends a field line, keeping any existing field of the same name.
    public mutating func add(_ name: String, _ value: String) {
        fields.append((name: name, value: value))
    }

    /// Removes every field named `name` (case-insensitive).
    public mutating func remove(_ name: String) {
        fields.removeAll { Self.namesEqual($0.name, name) }
    }

    /// Replaces every field named `name` with a single `name: value` line.
    public mutating func replaceOrAdd(_ name: String, _ value: String) {
        remove(name)
        add(name, value)
    }

    /// Field lines as `Name: value`, one a line, for logs.
    public var description: String {
        fields.map { "\($0.name): \($0.value)" }.joined(separator: "\n")
    }

    /// Two header lists are equal when they hold the same lines in the same order; names compare
    /// case-insensitively, values exactly.
    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        guard lhs.fields.count == rhs.fields.count else { return false }
        return zip(lhs.fields, rhs.fields).allSatisfy { namesEqual($0.name, $1.name) && $0.value == $1.value }
    }

    static func namesEqual(_ a: String, _ b: String) -> Bool {
        asciiCaseInsensitiveEqual(a.utf8, b.utf8)
    }

    static func asciiCaseInsensitiveEqual<A: Collection, B: Collection>(_ a: A, _ b: B) -> Bool
    where A.Element == UInt8, B.Element == UInt8 {
        guard a.count == b.count else { return false }
        return zip(a, b).allSatisfy { HTTPSyntax.asciiLowercased($0) == HTTPSyntax.asciiLowercased($1) }
    }
}
