import Base64

/// The caller's audio on its way to the provider: held, in order and up to a bound, while the
/// provider session opens; then forwarded frame by frame, or in chunks of `CALLER_AUDIO_BATCH_MS`.
///
/// Twilio's base64 frames end in padding, so they cannot be joined as text: a chunk collects the
/// μ-law bytes and is encoded once. Pure state, no I/O: `CallSession` sends what it returns.
struct CallerAudioQueue {
    /// μ-law bytes per chunk; 0 or 160 (one Twilio frame) forwards each frame as it came.
    let batchBytes: Int
    /// At most this many base64 characters are held while the session opens; older frames go first.
    let maxHeldBytes: Int
    private var batch: [UInt8] = []
    private(set) var held: [String] = []
    private var heldBytes = 0
    /// Frames dropped from the front of the held audio to stay within `maxHeldBytes`.
    private(set) var droppedWhileHeld = 0

    init(batchMs: Int, maxHeldBytes: Int) {
        self.batchBytes = batchMs > 20 ? batchMs * 8 : 0
        self.maxHeldBytes = maxHeldBytes
    }

    /// Whether each frame goes on as it came (no batching): then `forward` returns its payload.
    var passesThrough: Bool { batchBytes == 0 }

    /// A frame while the session is live: returns the base64 to send now, if any.
    mutating func forward(_ payload: String) -> String? {
        guard batchBytes > 0 else { return payload }  // each frame as it came
        var text = payload
        return text.withUTF8 { forward(UnsafeRawBufferPointer($0)) }
    }

    /// A frame, as the base64 bytes of Twilio's message, while the session is live: returns the
    /// base64 to send now, if any.
    mutating func forward(_ payload: UnsafeRawBufferPointer) -> String? {
        guard batchBytes > 0 else { return String(decoding: payload, as: UTF8.self) }  // each frame as it came
        let decoded = Base64.decode(payload, appendingTo: &batch)
        // TwilioInboundEvent.decode already checked it is base64; a frame that is not is dropped.
        guard decoded, batch.count >= batchBytes else { return nil }
        return takeBatch()
    }

    /// A frame while the session opens: kept (a chunk in progress first, so the order holds),
    /// the oldest dropped past the bound.
    mutating func hold(_ payload: String) {
        if !batch.isEmpty { append(takeBatch()) }
        append(payload)
        while heldBytes > maxHeldBytes, !held.isEmpty {
            heldBytes -= held.removeFirst().utf8.count
            droppedWhileHeld += 1
        }
    }

    /// The held frames, oldest first, to send now that the session is ready; the hold empties.
    mutating func release() -> [String] {
        let frames = held
        held = []
        heldBytes = 0
        return frames
    }

    private mutating func append(_ payload: String) {
        held.append(payload)
        heldBytes += payload.utf8.count
    }

    private mutating func takeBatch() -> String {
        let text = batch.withUnsafeBytes { Base64.encode($0) }
        batch.removeAll(keepingCapacity: true)
        return text
    }
}
