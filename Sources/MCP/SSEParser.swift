/// One server-sent event (HTML Living Standard §9.2, "event stream interpretation").
public struct SSEEvent: Equatable, Sendable {
    /// The `event:` field; `message` when the event named none.
    public var type: String
    /// The `data:` lines, joined with `\n`.
    public var data: String
    /// The last `id:` field seen, if any.
    public var id: String?

    /// Creates an event.
    public init(type: String = "message", data: String, id: String? = nil) {
        self.type = type
        self.data = data
        self.id = id
    }
}

/// A pure, incremental parser of `text/event-stream`: feed it bytes as they come, it returns
/// the events completed so far. Lines end with CRLF, LF or CR; a line starting with `:` is a
/// comment; `retry:` and unknown fields are ignored; an event is dispatched at a blank line,
/// and one with no `data:` line is dropped, as the standard says.
public struct SSEParser: Sendable {
    /// A line longer than this (bytes) is refused: the stream is not SSE, or is hostile.
    public static let defaultMaxLineBytes = 1 << 20

    private var line: [UInt8] = []
    private var lastWasCR = false
    private var eventType = ""
    private var data: [String] = []
    private var hasData = false
    private var lastId: String?
    private let maxLineBytes: Int

    /// Creates a parser refusing lines longer than `maxLineBytes`.
    public init(maxLineBytes: Int = defaultMaxLineBytes) {
        self.maxLineBytes = maxLineBytes
    }

    /// Why the parser gave up.
    public struct LineTooLong: Error, Equatable, Sendable {
        /// The limit that was exceeded.
        public let maxLineBytes: Int
    }

    /// Takes the next bytes; returns the events they complete, in order.
    /// - Throws: `LineTooLong` when a line grows past the limit (checked before buffering).
    public mutating func feed(_ bytes: some Sequence<UInt8>) throws(LineTooLong) -> [SSEEvent] {
        var events: [SSEEvent] = []
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\n") where lastWasCR:
                lastWasCR = false  // the LF of a CRLF: the line already ended at the CR
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                lastWasCR = byte == UInt8(ascii: "\r")
                if let event = endLine() { events.append(event) }
            default:
                lastWasCR = false
                guard line.count < maxLineBytes else { throw LineTooLong(maxLineBytes: maxLineBytes) }
                line.append(byte)
            }
        }
        return events
    }

    /// Every event of a whole stream (a body read to its end): a last event not followed by a
    /// blank line is dispatched too, since the stream has ended.
    public static func events(in body: [UInt8]) throws(LineTooLong) -> [SSEEvent] {
        var parser = SSEParser()
        var events = try parser.feed(body)
        if let last = parser.finish() { events.append(last) }
        return events
    }

    /// Ends the stream: the pending line and event, if any.
    public mutating func finish() -> SSEEvent? {
        if !line.isEmpty { _ = endLine() }
        return dispatch()
    }

    private mutating func endLine() -> SSEEvent? {
        defer { line.removeAll(keepingCapacity: true) }
        guard !line.isEmpty else { return dispatch() }
        if line[0] == UInt8(ascii: ":") { return nil }  // a comment (keep-alives)
        let text = String(decoding: line, as: UTF8.self)
        let field: Substring
        var value: Substring
        if let colon = text.firstIndex(of: ":") {
            field = text[..<colon]
            value = text[text.index(after: colon)...]
            if value.first == " " { value = value.dropFirst() }
        } else {
            field = text[...]
            value = ""
        }
        switch field {
        case "event":
            eventType = String(value)
        case "data":
            data.append(String(value))
            hasData = true
        case "id" where !value.contains("\0"):
            lastId = String(value)
        default:
            break  // retry, unknown fields
        }
        return nil
    }

    private mutating func dispatch() -> SSEEvent? {
        defer {
            eventType = ""
            data.removeAll()
            hasData = false
        }
        guard hasData else { return nil }
        return SSEEvent(type: eventType.isEmpty ? "message" : eventType, data: data.joined(separator: "\n"), id: lastId)
    }
}
