extension Connection {
    /// Queues `count` bytes that `fill` writes straight into the output buffer (it must write all
    /// of them); they leave at the end of the current loop iteration, as with `write(_:)`.
    ///
    /// For messages built from pieces on the audio path (a WebSocket frame's header, then JSON
    /// around a base64 payload): no intermediate `String` or array, one copy of each piece.
    public func write(count: Int, _ fill: (UnsafeMutableRawBufferPointer) -> Void) {
        guard state != .closed, !closeWhenFlushed else { return }
        let start = output.count
        output.append(contentsOf: repeatElement(0, count: count))
        output.withUnsafeMutableBytes { raw in
            fill(UnsafeMutableRawBufferPointer(rebasing: raw[start..<(start + count)]))
        }
        afterQueue()
    }
}
