import Base64

/// An index of a small, plain JSON object's members, over the caller's bytes, with no tree and no
/// `String` per member: the fast path for the events that arrive once per 20 ms audio frame per
/// call (Twilio `media` and `mark`, Realtime audio deltas), where building a `JSON` tree cost more
/// than the rest of the bridge's user-space work on the frame.
///
/// It accepts only what it can check completely and cheaply, and says nil to everything else, so
/// the caller falls back to `JSON.parse` and gets exactly the same answer (or error) as before:
/// - the text is one object, nested at most one level (an object member may hold an object);
/// - plain ASCII throughout, no backslash escapes, no control characters;
/// - no arrays; numbers only as integers of at most 15 digits (exact in a `Double`);
/// - RFC 8259 whitespace between tokens, nothing after the object.
/// When it returns an index, `JSON.parse` would succeed on the same text and yield an object whose
/// members hold the same values; a repeated key resolves to its last occurrence, as in `JSONObject`.
///
/// The index points into the bytes it was made from: use it only while they are valid. A holder
/// that indexes one event after another keeps one value and calls `reindex(_:)`, which reuses its
/// storage: no allocation per event once the first has sized it.
public struct JSONFlatObject {
    /// What a member holds.
    public enum Kind: UInt8, Sendable {
        /// A string without escapes; `bytes(of:)` are its characters, without quotes.
        case string
        /// An integer; `integer(of:)` reads it.
        case integer
        /// `true`, `false` or `null`; `bytes(of:)` is the literal.
        case literal
        /// A nested object; look its members up with `member(_:in:)`.
        case object
    }

    /// One member found by `member(_:)` or `member(_:in:)`.
    public struct Member {
        /// What the value is.
        public let kind: Kind
        fileprivate let index: Int
        fileprivate let start: Int
        fileprivate let end: Int
    }

    private struct Entry {
        var parent: Int32  // -1 for a member of the outer object, else the index of its object member
        var keyStart: Int32, keyEnd: Int32
        var valueStart: Int32, valueEnd: Int32
        var kind: Kind
    }

    /// Room for the entries, reused by `reindex`: written through a pointer, so adding an entry
    /// costs no uniqueness check and clearing costs nothing (an `Array` did both per entry and
    /// per event). A copy of the index shares it until either reindexes (`reindex` checks).
    private final class Storage {
        private(set) var entries: UnsafeMutablePointer<Entry>
        private(set) var capacity: Int

        init(capacity: Int) {
            entries = .allocate(capacity: capacity)
            self.capacity = capacity
        }

        /// Doubles the room, keeping the first `count` entries.
        func grow(keeping count: Int) {
            let larger = UnsafeMutablePointer<Entry>.allocate(capacity: capacity * 2)
            larger.moveInitialize(from: entries, count: count)
            entries.deallocate()
            entries = larger
            capacity *= 2
        }

        deinit { entries.deallocate() }  // `Entry` is trivial: nothing to deinitialize
    }

    private var bytes: UnsafeRawBufferPointer
    private var storage = Storage(capacity: 16)
    private var count = 0
    /// The key whose string values are checked as base64 while scanned (`reindex`).
    private var base64Key: UnsafeRawBufferPointer
    /// Where the characters of the last such value that is base64 start, or -1.
    private var base64Start = -1

    /// An empty index (of no text, with no members) whose storage `reindex(_:)` fills.
    public init() {
        bytes = UnsafeRawBufferPointer(start: nil, count: 0)
        base64Key = bytes
    }

    /// Indexes `bytes`, or returns nil when the text is not of the plain shape described above
    /// (which includes every invalid text).
    public init?(_ bytes: UnsafeRawBufferPointer) {
        self.init()
        guard reindex(bytes) else { return nil }
    }

    /// Indexes `bytes` in place of what the index held, keeping its storage; false (and an index
    /// of no members) when the text is not of the plain shape described above. What `init?(_:)`
    /// does, without allocating once the storage has grown to the events' size.
    ///
    /// String values of members named `base64Key` (at either level) are checked as padded
    /// standard base64 in the same pass that finds their end (`isBase64(_:)`): an audio
    /// payload is read once, not once for its end and again by `Base64.isValid`.
    public mutating func reindex(_ bytes: UnsafeRawBufferPointer, base64Key: StaticString = "") -> Bool {
        if !isKnownUniquelyReferenced(&storage) { storage = Storage(capacity: storage.capacity) }  // a copy keeps its entries
        count = 0
        self.bytes = bytes
        base64Start = -1
        // A literal of two characters or more is in memory (`find` says why this matters).
        self.base64Key = base64Key.hasPointerRepresentation
            ? UnsafeRawBufferPointer(start: base64Key.utf8Start, count: base64Key.utf8CodeUnitCount)
            : UnsafeRawBufferPointer(start: nil, count: 0)
        guard bytes.count < Int(Int32.max) else { return fail() }
        var cursor = skipWhitespace(0)
        guard cursor < bytes.count, bytes[cursor] == UInt8(ascii: "{"),
              let end = scanObject(openingAt: cursor, parent: -1) else { return fail() }
        cursor = skipWhitespace(end)
        guard cursor == bytes.count else { return fail() }
        return true
    }

    /// Leaves no member behind a declined text, so lookups after a false `reindex` find nothing.
    private mutating func fail() -> Bool {
        count = 0
        return false
    }

    // MARK: Lookup

    /// The member named `key` of the outer object (its last occurrence), or nil.
    public func member(_ key: StaticString) -> Member? {
        find(key, parent: -1)
    }

    /// The member named `key` of the object held by `parent` (its last occurrence), or nil.
    public func member(_ key: StaticString, in parent: Member) -> Member? {
        guard parent.kind == .object else { return nil }
        return find(key, parent: Int32(parent.index))
    }

    /// The characters of a string member (without quotes), or a literal's bytes. Valid while the
    /// indexed bytes are.
    public func bytes(of member: Member) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[member.start..<member.end])
    }

    /// A string member as a `String`, or nil for another kind.
    public func string(_ member: Member?) -> String? {
        guard let member, member.kind == .string else { return nil }
        return String(decoding: bytes(of: member), as: UTF8.self)
    }

    /// Whether a string member's characters are exactly `text`.
    public func member(_ member: Member, equals text: StaticString) -> Bool {
        guard member.kind == .string, member.end - member.start == text.utf8CodeUnitCount else { return false }
        if text.hasPointerRepresentation {  // as `find`: no closure to retain the index
            return Self.same(bytes.baseAddress! + member.start, text.utf8Start, count: text.utf8CodeUnitCount)
        }
        return text.withUTF8Buffer { expected in
            for i in 0..<expected.count where bytes[member.start + i] != expected[i] { return false }
            return true
        }
    }

    /// An integer member's value (at most 15 digits, so exact as JSON's `Double` too).
    public func integer(of member: Member) -> Int? {
        guard member.kind == .integer else { return nil }
        var i = member.start
        let negative = bytes[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        var value = 0
        while i < member.end {
            value = value * 10 + Int(bytes[i] - UInt8(ascii: "0"))
            i += 1
        }
        return negative ? -value : value
    }

    /// A string member's characters read as a decimal `Int` exactly as `Int(String)` reads them
    /// (an optional `+` or `-`, then ASCII digits, within `Int`'s range), without making the
    /// `String`: Twilio sends its sequence numbers, chunks and timestamps as strings, on every
    /// media event. Nil for another kind or anything `Int(String)` refuses.
    public func integer(inString member: Member) -> Int? {
        guard member.kind == .string, member.start < member.end else { return nil }
        var i = member.start
        let sign = bytes[i]
        let negative = sign == UInt8(ascii: "-")
        if negative || sign == UInt8(ascii: "+") { i += 1 }
        guard i < member.end else { return nil }
        var value = 0
        while i < member.end {
            let digit = bytes[i] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            // Accumulate negatively: Int.min has no positive counterpart.
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) = times10.subtractingReportingOverflow(Int(digit))
            guard !o1, !o2 else { return nil }
            value = next
            i += 1
        }
        if negative { return value }
        return value == Int.min ? nil : -value
    }

    /// Whether a string member named by `reindex`'s `base64Key` holds padded standard base64
    /// (exactly `Base64.isValid`), as checked while the index found the string's end. Of two
    /// such members both base64, only the later says so (a false answer only sends a caller to
    /// its full path).
    public func isBase64(_ member: Member) -> Bool {
        member.kind == .string && member.start == base64Start
    }

    /// Whether the member is the literal `null`.
    public func isNull(_ member: Member) -> Bool {
        member.kind == .literal && bytes[member.start] == UInt8(ascii: "n")
    }

    private func find(_ key: StaticString, parent: Int32) -> Member? {
        // The key's bytes without `withUTF8Buffer` when they are in memory, as a literal of two
        // characters or more always is: its closure would retain and release the index.
        guard key.hasPointerRepresentation else {
            return key.withUTF8Buffer { find($0.baseAddress!, count: $0.count, parent: parent) }
        }
        return find(key.utf8Start, count: key.utf8CodeUnitCount, parent: parent)
    }

    private func find(_ wanted: UnsafePointer<UInt8>, count: Int, parent: Int32) -> Member? {
        let entries = storage.entries
        var index = self.count - 1
        while index >= 0 {
            let entry = entries[index]
            if entry.parent == parent, Int(entry.keyEnd - entry.keyStart) == count {
                if Self.same(bytes.baseAddress! + Int(entry.keyStart), wanted, count: count) {
                    return Member(kind: entry.kind, index: index, start: Int(entry.valueStart), end: Int(entry.valueEnd))
                }
            }
            index -= 1
        }
        return nil
    }

    // MARK: Scanning

    /// Scans the object whose `{` is at `opening`; returns the offset after its `}`.
    private mutating func scanObject(openingAt opening: Int, parent: Int32) -> Int? {
        var cursor = skipWhitespace(opening + 1)
        guard cursor < bytes.count else { return nil }
        if bytes[cursor] == UInt8(ascii: "}") { return cursor + 1 }
        while true {
            guard cursor < bytes.count, bytes[cursor] == UInt8(ascii: "\""),
                  let keyEnd = plainStringEnd(from: cursor + 1) else { return nil }
            let keyStart = cursor + 1
            cursor = skipWhitespace(keyEnd + 1)
            guard cursor < bytes.count, bytes[cursor] == UInt8(ascii: ":") else { return nil }
            cursor = skipWhitespace(cursor + 1)
            guard cursor < bytes.count else { return nil }
            let entryIndex = count
            // Offsets fit in Int32: `init?` declines longer texts.
            var entry = Entry(parent: parent, keyStart: Int32(truncatingIfNeeded: keyStart), keyEnd: Int32(truncatingIfNeeded: keyEnd),
                              valueStart: Int32(truncatingIfNeeded: cursor), valueEnd: 0, kind: .literal)
            let byte = bytes[cursor]
            let valueEnd: Int
            switch byte {
            case UInt8(ascii: "\""):
                let end: Int
                if isBase64Key(from: keyStart, to: keyEnd) {
                    guard let (found, valid) = base64StringEnd(from: cursor + 1) else { return nil }
                    end = found
                    if valid { base64Start = cursor + 1 }
                } else {
                    guard let found = plainStringEnd(from: cursor + 1) else { return nil }
                    end = found
                }
                entry.kind = .string
                entry.valueStart = Int32(truncatingIfNeeded: cursor + 1)
                entry.valueEnd = Int32(truncatingIfNeeded: end)
                valueEnd = end + 1
            case UInt8(ascii: "{"):
                guard parent == -1 else { return nil }  // one level of nesting at most
                entry.kind = .object
                entry.valueEnd = entry.valueStart
                add(entry)
                guard let end = scanObject(openingAt: cursor, parent: Int32(truncatingIfNeeded: entryIndex)) else { return nil }
                valueEnd = end
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                guard let end = integerEnd(at: cursor) else { return nil }
                entry.kind = .integer
                entry.valueEnd = Int32(truncatingIfNeeded: end)
                valueEnd = end
            case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
                guard let end = literalEnd(at: cursor) else { return nil }
                entry.kind = .literal
                entry.valueEnd = Int32(truncatingIfNeeded: end)
                valueEnd = end
            default:
                return nil  // arrays, and anything that is not JSON
            }
            if entry.kind != .object { add(entry) }
            cursor = skipWhitespace(valueEnd)
            guard cursor < bytes.count else { return nil }
            if bytes[cursor] == UInt8(ascii: "}") { return cursor + 1 }
            guard bytes[cursor] == UInt8(ascii: ",") else { return nil }
            cursor = skipWhitespace(cursor + 1)
        }
    }

    @inline(__always)
    private mutating func add(_ entry: Entry) {
        if count == storage.capacity { storage.grow(keeping: count) }
        (storage.entries + count).initialize(to: entry)
        count += 1
    }

    /// Whether `count` bytes at `a` and `b` are equal: eight at a time, then one by one.
    private static func same(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, count: Int) -> Bool {
        var i = 0
        while i + 8 <= count {
            guard a.loadUnaligned(fromByteOffset: i, as: UInt64.self) == b.loadUnaligned(fromByteOffset: i, as: UInt64.self) else { return false }
            i += 8
        }
        while i < count {
            guard a.load(fromByteOffset: i, as: UInt8.self) == b.load(fromByteOffset: i, as: UInt8.self) else { return false }
            i += 1
        }
        return true
    }

    /// Whether the key between these offsets is `base64Key` (inlined: it runs for every string
    /// member, and most differ in length).
    @inline(__always)
    private func isBase64Key(from start: Int, to end: Int) -> Bool {
        guard end - start == base64Key.count, base64Key.count > 0 else { return false }
        for i in 0..<base64Key.count where bytes[start + i] != base64Key[i] { return false }
        return true
    }

    /// The offset of the closing quote of the plain string whose characters start at `start`,
    /// and whether they are padded standard base64 (`Base64.isValid`): the alphabet's run, at most
    /// two `=`, then the quote, in a length that is a multiple of 4. Anything else continues as
    /// `plainStringEnd` (the bytes passed are plain) and is not base64.
    private func base64StringEnd(from start: Int) -> (end: Int, isBase64: Bool)? {
        var cursor = Base64.alphabetEnd(in: bytes, from: start)
        var padding = 0
        while padding < 2, cursor < bytes.count, bytes[cursor] == UInt8(ascii: "=") {
            cursor += 1
            padding += 1
        }
        if cursor < bytes.count, bytes[cursor] == UInt8(ascii: "\"") {
            return (cursor, (cursor - start) % 4 == 0)
        }
        guard let end = plainStringEnd(from: cursor) else { return nil }
        return (end, false)
    }

    /// The offset of the closing quote of a string of printable ASCII without escapes whose
    /// characters start at `start` (after the opening quote).
    private func plainStringEnd(from start: Int) -> Int? {
        guard let base = bytes.baseAddress else { return nil }
        var cursor = start
        // Eight bytes at a time while none is '"', '\', a control byte or non-ASCII (as the parser).
        let ones: UInt64 = 0x0101_0101_0101_0101
        while cursor + 8 <= bytes.count {
            let word = (base + cursor).loadUnaligned(as: UInt64.self)
            let quote = word ^ (ones &* 0x22)
            let backslash = word ^ (ones &* 0x5C)
            let special = ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash)
                | ((word &- ones &* 0x20) & ~word) | word
            let flagged = special & 0x8080_8080_8080_8080
            if flagged != 0 {
                // The lowest flagged byte is the first special one (borrows only reach the bytes
                // above a true match): a quote ends the string, anything else is not plain.
                let index = cursor + flagged.trailingZeroBitCount / 8
                return bytes[index] == UInt8(ascii: "\"") ? index : nil
            }
            cursor += 8
        }
        while cursor < bytes.count {
            let byte = bytes[cursor]
            if byte == UInt8(ascii: "\"") { return cursor }
            // One unsigned compare rejects control bytes and non-ASCII; then the backslash.
            guard byte &- 0x20 < 0x60, byte != UInt8(ascii: "\\") else { return nil }
            cursor += 1
        }
        return nil
    }

    /// The end of `-?(0|[1-9][0-9]*)` of at most 15 digits not followed by `.`, `e` or `E`.
    private func integerEnd(at start: Int) -> Int? {
        var cursor = start
        if bytes[cursor] == UInt8(ascii: "-") { cursor += 1 }
        let digitsStart = cursor
        while cursor < bytes.count, bytes[cursor] >= UInt8(ascii: "0"), bytes[cursor] <= UInt8(ascii: "9") {
            cursor += 1
        }
        let digits = cursor - digitsStart
        guard digits >= 1, digits <= 15 else { return nil }
        guard digits == 1 || bytes[digitsStart] != UInt8(ascii: "0") else { return nil }  // no leading zeros
        if cursor < bytes.count {
            let next = bytes[cursor]
            guard next != UInt8(ascii: "."), next != UInt8(ascii: "e"), next != UInt8(ascii: "E") else { return nil }
        }
        return cursor
    }

    private func literalEnd(at start: Int) -> Int? {
        for literal: StaticString in ["true", "false", "null"] {
            let matched = literal.withUTF8Buffer { text -> Bool in
                guard start + text.count <= bytes.count else { return false }
                for i in 0..<text.count where bytes[start + i] != text[i] { return false }
                return true
            }
            if matched { return start + literal.utf8CodeUnitCount }
        }
        return nil
    }

    private func skipWhitespace(_ start: Int) -> Int {
        var cursor = start
        while cursor < bytes.count {
            switch bytes[cursor] {
            case 0x20, 0x09, 0x0A, 0x0D: cursor += 1  // RFC 8259 §2
            default: return cursor
            }
        }
        return cursor
    }
}
