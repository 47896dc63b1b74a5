/// The XOR masking of RFC 6455 §5.3, eight bytes at a time.
enum WSMasking {
    /// XORs `bytes` in place with the masking key, starting at key byte 0.
    ///
    /// `key` holds the four key bytes in network order (the first byte on the wire is the most
    /// significant). Masking and unmasking are the same operation.
    static func apply(key: UInt32, to bytes: UnsafeMutableRawBufferPointer) {
        let wireOrderKey = key.bigEndian
        // Both halves are equal, so the in-memory byte order is k0 k1 k2 k3 k0 k1 k2 k3 on any endianness.
        let pattern = UInt64(wireOrderKey) | UInt64(wireOrderKey) << 32
        let count = bytes.count
        var offset = 0
        while offset + 8 <= count {
            let word = bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            bytes.storeBytes(of: word ^ pattern, toByteOffset: offset, as: UInt64.self)
            offset += 8
        }
        withUnsafeBytes(of: wireOrderKey) { keyBytes in
            while offset < count {
                bytes[offset] ^= keyBytes[offset & 3]
                offset += 1
            }
        }
    }

    /// Masks or unmasks `bytes[range]` of an array in place. `phase` is the payload offset of
    /// `range.lowerBound` modulo 4, so a payload can be unmasked piecewise as it arrives.
    static func apply(key: UInt32, phase: Int = 0, to bytes: inout [UInt8], range: Range<Int>) {
        let shift = UInt32((phase & 3) * 8)
        // Rotate so the key byte for `phase` comes first.
        let rotated = shift == 0 ? key : (key << shift) | (key >> (32 - shift))
        bytes.withUnsafeMutableBytes { raw in
            apply(key: rotated, to: UnsafeMutableRawBufferPointer(rebasing: raw[range]))
        }
    }
}
