import JSON

/// Turns a business API's JSON answer into what the model reads: only the parts the file keeps
/// (`response.keep`, JSON Pointers), at most `max_bytes` of UTF-8, cut between characters and
/// saying so when cut — the model must not mistake a truncated list for the whole one.
public struct HTTPToolResponseShaper: Sendable {
    /// The parts kept; the whole document when empty.
    public let keep: [JSONPointer]
    /// The most bytes of output.
    public let maxBytes: Int

    /// Creates a shaper.
    public init(keep: [JSONPointer], maxBytes: Int) {
        self.keep = keep
        self.maxBytes = maxBytes
    }

    /// The output for `document`: compact JSON of the kept parts, bounded.
    public func output(for document: JSON) -> String {
        let kept = keep.isEmpty ? document : (Self.prune(document, keeping: keep.map(\.tokens)) ?? .object(JSONObject()))
        return bounded(kept.serialized())
    }

    /// `document` with only the members and elements on the paths `keep`, in document order and
    /// nested as they were (an array keeps only the elements named, in order). Nil when no path
    /// leads anywhere.
    static func prune(_ document: JSON, keeping paths: [[String]]) -> JSON? {
        if paths.contains(where: \.isEmpty) { return document }
        switch document {
        case .object(let object):
            var kept = JSONObject()
            for (key, value) in object {
                let below = paths.filter { $0[0] == key }.map { Array($0.dropFirst()) }
                if !below.isEmpty, let member = prune(value, keeping: below) { kept.append(key, member) }
            }
            return kept.isEmpty ? nil : .object(kept)
        case .array(let elements):
            var kept: [JSON] = []
            for (index, element) in elements.enumerated() {
                let below = paths.filter { JSONPointer.arrayIndex($0[0]) == index }.map { Array($0.dropFirst()) }
                if !below.isEmpty, let item = prune(element, keeping: below) { kept.append(item) }
            }
            return kept.isEmpty ? nil : .array(kept)
        case .null, .bool, .number, .string:
            return nil
        }
    }

    /// `text` when it fits in `maxBytes`; otherwise its head, cut before a UTF-8 character
    /// boundary, and a note saying how much was left out — the whole within `maxBytes`.
    func bounded(_ text: String) -> String {
        let total = text.utf8.count
        guard total > maxBytes else { return text }
        let note = " … [truncated: the answer was \(total) bytes, only the first part is shown]"
        var cut = max(0, maxBytes - note.utf8.count)
        let utf8 = Array(text.utf8)
        // Never inside a character: back up over continuation bytes (10xxxxxx).
        while cut > 0 && utf8[cut] & 0xC0 == 0x80 { cut -= 1 }
        return String(decoding: utf8[..<cut], as: UTF8.self) + note
    }
}
