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

    /// Writes the header `append` would write for a `payloadCount`-byte payload at the start of
    /// `buffer` (at least `headerSize` bytes); returns its size. For frames built in place in a
    /// connection's output buffer: the payload goes right after, masked there when `maskingKey`
    /// is given.
    @discardableResult
    public static func writeHeader(opcode: WSOpcode, payloadCount count: Int, fin: Bool = true, maskingKey: UInt32? = nil,
                                   into buffer: UnsafeMutableRawBufferPointer) -> Int {
        precondition(!opcode.isControl || (fin && count <= 125), "RFC 6455 §5.5: control frames are unfragmented and carry at most 125 bytes")
        buffer[0] = (fin ? 0x80 : 0) | opcode.rawValue
        let maskBit: UInt8 = maskingKey == nil ? 0 : 0x80
        var size = 2
        if count <= 125 {
            buffer[1] = maskBit | UInt8(count)
        } else if count <= 0xFFFF {
            buffer[1] = maskBit | 126
            buffer[2] = UInt8(truncatingIfNeeded: count >> 8)
            buffer[3] = UInt8(truncatingIfNeeded: count)
            size = 4
        } else {
            buffer[1] = maskBit | 127
            for i in 0..<8 { buffer[2 + i] = UInt8(truncatingIfNeeded: UInt64(count) >> UInt64(56 - 8 * i)) }
            size = 10
        }
        guard let maskingKey else { return size }
        for i in 0..<4 { buffer[size + i] = UInt8(truncatingIfNeeded: maskingKey >> UInt32(24 - 8 * i)) }
        return size + 4
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
