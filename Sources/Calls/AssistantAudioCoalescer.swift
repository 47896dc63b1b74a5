/// Joins the provider's audio deltas that arrive together into one Twilio `media` message.
///
/// Deltas handled in the same loop iteration become one chunk, so a burst of small deltas costs
/// one `media` and one `mark` instead of one each. A chunk holds one item's audio and at most
/// `maxBytes` decoded bytes; base64 text concatenates only when the first part has no padding (a
/// whole number of 3-byte groups), so a padded delta ends its chunk. Pure state, no I/O:
/// `CallSession` sends what it returns; the tests drive it alone.
///
/// The base64 is kept as bytes in two buffers used in turn: a chunk taken holds one while the
/// next audio fills the other, and by the time that is taken the first chunk has been sent and
/// released, so its buffer is refilled in place. Steady audio allocates nothing per delta.
struct AssistantAudioCoalescer {
    /// Audio to send to Twilio as one `media` message, then its `mark`.
    struct Chunk: Equatable {
        /// The base64 text.
        var payload: [UInt8]
        /// Decoded μ-law bytes (8 = 1 ms).
        var bytes: Int
        var itemId: String
        var responseId: String?
    }

    private var payload: [UInt8] = []
    /// The buffer of the chunk taken last (see the type's comment).
    private var spare: [UInt8] = []
    private var bytes = 0
    private var itemId = ""
    private var responseId: String?
    let maxBytes: Int

    init(maxBytes: Int) {
        self.maxBytes = maxBytes
    }

    /// Whether no audio waits.
    var isEmpty: Bool { payload.isEmpty }

    /// Adds a delta (base64 text) of `bytes` decoded bytes; returns the chunk that must leave
    /// before it, when the delta cannot join the audio already waiting.
    mutating func add(_ delta: UnsafeRawBufferPointer, bytes: Int, itemId: String, responseId: String?) -> Chunk? {
        var ready: Chunk?
        if !payload.isEmpty && (self.itemId != itemId || payload.last == UInt8(ascii: "=")
                                || self.bytes + bytes > maxBytes) {
            ready = take()
        }
        payload.append(contentsOf: delta)
        self.bytes += bytes
        self.itemId = itemId
        self.responseId = responseId
        return ready
    }

    /// `add` for a delta held as a `String` (the full decoding path, and the tests).
    mutating func add(_ delta: String, bytes: Int, itemId: String, responseId: String?) -> Chunk? {
        var delta = delta
        return delta.withUTF8 { add(UnsafeRawBufferPointer($0), bytes: bytes, itemId: itemId, responseId: responseId) }
    }

    /// The waiting audio as one chunk (nil when none waits); the coalescer starts afresh.
    mutating func take() -> Chunk? {
        guard !payload.isEmpty else { return nil }
        let chunk = Chunk(payload: payload, bytes: bytes, itemId: itemId, responseId: responseId)
        swap(&payload, &spare)
        payload.removeAll(keepingCapacity: true)  // in place once the chunk of that buffer is gone
        bytes = 0
        return chunk
    }

    /// Drops the waiting audio (the caller talked over it before it was sent).
    mutating func discard() {
        payload.removeAll(keepingCapacity: true)
        bytes = 0
    }
}
