/// Writes WebSocket frames (RFC 6455 §5.2) into a caller-owned buffer, so a connection can batch
/// several frames into one write without intermediate arrays.
public enum WSFrameEncoder {
    /// The header size for a payload of `payloadCount` bytes: 2, 4 or 10 bytes, plus 4 when masked.
    public static func headerSize(payloadCount: Int, masked: Bool) -> Int {
        let base = payloadCount <= 125 ? 2 : (payloadCount <= 0xFFFF ? 4 : 10)
        return masked ? base + 4 : base
    }

    /// Appends one frame with the shortest length encoding.
    ///
    /// - Parameters:
    ///   - opcode: the frame type; a control opcode must come with `fin` and at most 125 bytes.
    ///   - payload: the unmasked application data.
    ///   - fin: false for every fragment of a message but the last.
    ///   - maskingKey: a fresh `randomMaskingKey()` per frame for the client role; nil (unmasked)
    ///     for the server role. Its most significant byte is the first key byte on the wire.
    ///   - buffer: where the frame is appended.
    public static func append(opcode: WSOpcode, payload: UnsafeRawBufferPointer, fin: Bool = true, maskingKey: UInt32? = nil, into buffer: inout [UInt8]) {
        precondition(!opcode.isControl || (fin && payload.count <= 125), "RFC 6455 §5.5: control frames are unfragmented and carry at most 125 bytes")
        buffer.reserveCapacity(buffer.count + headerSize(payloadCount: payload.count, masked: maskingKey != nil) + payload.count)
        buffer.append((fin ? 0x80 : 0) | opcode.rawValue)
        let maskBit: UInt8 = maskingKey == nil ? 0 : 0x80
        let count = payload.count
        if count <= 125 {
            buffer.append(maskBit | UInt8(count))
        } else if count <= 0xFFFF {
            buffer.append(maskBit | 126)
            buffer.append(UInt8(truncatingIfNeeded: count >> 8))
            buffer.append(UInt8(truncatingIfNeeded: count))
        } else {
            buffer.append(maskBit | 127)
            for shift in stride(from: 56, through: 0, by: -8) {
                buffer.append(UInt8(truncatingIfNeeded: UInt64(count) >> UInt64(shift)))
            }
        }
        guard let maskingKey else {
            buffer.append(contentsOf: payload)
            return
        }
        for shift in stride(from: 24, through: 0, by: -8) {
            buffer.append(UInt8(truncatingIfNeeded: maskingKey >> UInt32(shift)))
        }
        let payloadStart = buffer.count
        buffer.append(contentsOf: payload)
        WSMasking.apply(key: maskingKey, to: &buffer, range: payloadStart..<buffer.count)
    }

    /// Appends one frame with the shortest length encoding; see the raw-buffer overload.
    public static func append(opcode: WSOpcode, payload: [UInt8], fin: Bool = true, maskingKey: UInt32? = nil, into buffer: inout [UInt8]) {
        payload.withUnsafeBytes { raw in
            append(opcode: opcode, payload: raw, fin: fin, maskingKey: maskingKey, into: &buffer)
        }
    }

    /// A masking key from OpenSSL's cryptographic generator (pooled, 64 keys per refill), as
    /// RFC 6455 §5.3 requires ("the masking key MUST be derived from a strong source of entropy").
    public static func randomMaskingKey() -> UInt32 {
        WSMaskingKeyPool.take()
    }
}
