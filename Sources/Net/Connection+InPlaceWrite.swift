extension Connection {
    /// Queues `count` bytes that `fill` writes straight into the output buffer (it must write all
    /// of them); they leave at the end of the current loop iteration, as with `write(_:)`.
    ///
    /// For messages built from pieces on the audio path (a WebSocket frame's header, then JSON
    /// around a base64 payload): no intermediate `String` or array, one copy of each piece.
    public func write(count: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Void) {
        guard state != .closed, !closeWhenFlushed else { return }
        let start = reserveOutput(count)  // room kept from earlier messages: usually no append
        output.withUnsafeMutableBytes { raw in
            fill(UnsafeMutableRawBufferPointer(rebasing: raw[start..<(start + count)]))
        }
        afterQueue()
    }

    /// Extends the queued output by `count` bytes of room after `outputEnd` (their content is
    /// the caller's to write); returns their offset in `output`.
    func reserveOutput(_ count: Int) -> Int {
        let at = outputEnd
        let missing = at + count - output.count
        if missing > 0 {
            // Zeros by a memcpy; `repeatElement` would append byte by byte.
            if missing <= zeros.count {
                output.append(contentsOf: UnsafeRawBufferPointer(rebasing: zeros[..<missing]))
            } else {
                output.append(contentsOf: repeatElement(0, count: missing))
            }
        }
        outputEnd = at + count
        return at
    }
}

/// Zeros to grow an output buffer by, for messages up to 4 KiB (the audio path's are ~300 bytes).
/// `nonisolated(unsafe)`: written once, when first used, and only read after that, by any loop.
nonisolated(unsafe) private let zeros = UnsafeRawBufferPointer(UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 16).initializeMemory(as: UInt8.self, repeating: 0))
