/// The members of a JSON object, in insertion order.
///
/// Lookup is linear: protocol events carry a handful of keys, for which scanning a small array
/// beats hashing every key at parse time.
///
/// Duplicate names (RFC 8259 §4 says they SHOULD NOT occur and leaves the outcome open) are kept
/// as parsed, and lookup returns the **last** one, as JavaScript's `JSON.parse` does. The parser
/// does not search for duplicates, so an object with many keys still parses in linear time.
public struct JSONObject: Sendable, Sequence {
    /// One member: its name and value.
    public typealias Element = (key: String, value: JSON)

    private var members: [Element]

    /// An empty object.
    public init() { members = [] }

    /// An object holding `pairs` in the given order (duplicates kept; lookup sees the last).
    public init(_ pairs: [(String, JSON)]) {
        members = pairs.map { (key: $0.0, value: $0.1) }
    }

    /// The number of members, duplicates included.
    public var count: Int { members.count }

    /// Whether the object has no members.
    public var isEmpty: Bool { members.isEmpty }

    /// The member names in order.
    public var keys: [String] { members.map(\.key) }

    /// The value of the last member named `key`. Setting replaces that member's value in place
    /// (keeping its position), appends a new member, or removes the member(s) when set to `nil`.
    public subscript(key: String) -> JSON? {
        get {
            guard let index = lastIndex(of: key) else { return nil }
            return members[index].value
        }
        set {
            if let newValue {
                if let index = lastIndex(of: key) {
                    members[index].value = newValue
                } else {
                    members.append((key: key, value: newValue))
                }
            } else {
                members.removeAll { $0.key == key }
            }
        }
    }

    /// Reserves room for `count` members, so building an object of known size allocates once.
    public mutating func reserveCapacity(_ count: Int) {
        members.reserveCapacity(count)
    }

    /// Appends a member without looking for an existing one of the same name (the parser's path).
    public mutating func append(_ key: String, _ value: JSON) {
        members.append((key: key, value: value))
    }

    /// The members in order.
    public func makeIterator() -> IndexingIterator<[Element]> {
        members.makeIterator()
    }

    private func lastIndex(of key: String) -> Int? {
        var index = members.count - 1
        while index >= 0 {
            if members[index].key == key { return index }
            index -= 1
        }
        return nil
    }
}

extension JSONObject: Equatable {
    /// Objects are equal when every name maps to equal values on both sides; member order does
    /// not matter (RFC 8259 §4: an object is an *unordered* collection).
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        // Fast path: same names in the same order, which is what round trips produce.
        if lhs.members.count == rhs.members.count,
           zip(lhs.members, rhs.members).allSatisfy({ $0.key == $1.key && $0.value == $1.value }) {
            return true
        }
        return lhs.members.allSatisfy { rhs[$0.key] == lhs[$0.key] }
            && rhs.members.allSatisfy { lhs[$0.key] != nil }
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    /// An object from a literal, members in the order written.
    public init(dictionaryLiteral elements: (String, JSON)...) {
        self.init(elements)
    }
}
