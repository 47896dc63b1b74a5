/// Bytes received but not yet consumed by a parser (the HTTP request and response parsers and
/// the WebSocket frame parser share it): appended at the end, consumed from `readIndex`, and
/// compacted before each append, so indices a parser holds stay valid while it parses.
public struct InputBuffer: Sendable {
    /// Every byte kept: consumed ones before `readIndex`, unread ones after.
    public var bytes: [UInt8] = []
    /// Where the unread bytes start.
    public var readIndex = 0

    /// An empty buffer.
    public init() {}

    /// Bytes received and not yet consumed.
    public var unreadCount: Int { bytes.count - readIndex }

    /// Adds received bytes.
    public mutating func append(_ data: UnsafeRawBufferPointer) {
        compact()
        bytes.append(contentsOf: data)
    }

    /// Adds received bytes.
    public mutating func append(_ data: [UInt8]) {
        compact()
        bytes.append(contentsOf: data)
    }

    /// Drops consumed bytes: all of them when everything was read, else once they are over 4 KiB
    /// and at least half the buffer, so a long-lived connection's buffer stays small without a
    /// copy per append.
    mutating func compact() {
        if readIndex == bytes.count {
            bytes.removeAll(keepingCapacity: true)
            readIndex = 0
        } else if readIndex >= 4096 && readIndex * 2 >= bytes.count {
            bytes.removeSubrange(0..<readIndex)
            readIndex = 0
        }
    }
}
