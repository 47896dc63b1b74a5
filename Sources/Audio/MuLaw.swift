/// G.711 μ-law codec, bit-exact with the reference implementation (Sun's `g711.c`, which CPython's
/// `audioop` and SoX both use).
///
/// Both directions are table lookups: a 256-entry decode table and a 16 384-entry encode table
/// indexed by the 14 significant bits of a sample. The tables are built once, on first use, by the
/// reference algorithm written out below, so the hot path is one shift and one load per sample.
public enum MuLaw {
    /// Decodes one μ-law byte to a 16-bit linear sample.
    @inline(__always)
    public static func decode(_ byte: UInt8) -> Int16 {
        decodeTable[Int(byte)]
    }

    /// Encodes one 16-bit linear sample to a μ-law byte.
    ///
    /// G.711 μ-law carries 14 bits of magnitude-and-sign: the two low bits are dropped by an
    /// arithmetic shift first, exactly as the reference codec does (`audioop.lin2ulaw`,
    /// `st_14linear2ulaw(val >> 2)`), which rounds negative values toward minus infinity.
    @inline(__always)
    public static func encode(_ sample: Int16) -> UInt8 {
        // (sample >> 2) lies in -8192...8191; offset it to index the table.
        encodeTable[Int(sample >> 2) + 8192]
    }

    /// Decodes a sequence of μ-law bytes to 16-bit linear samples.
    public static func decode(_ bytes: some Sequence<UInt8>) -> [Int16] {
        var samples: [Int16] = []
        samples.reserveCapacity(bytes.underestimatedCount)
        for byte in bytes {
            samples.append(decodeTable[Int(byte)])
        }
        return samples
    }

    /// Encodes a sequence of 16-bit linear samples to μ-law bytes.
    public static func encode(_ samples: some Sequence<Int16>) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(samples.underestimatedCount)
        for sample in samples {
            bytes.append(encodeTable[Int(sample >> 2) + 8192])
        }
        return bytes
    }

    // MARK: - Tables

    /// μ-law byte → linear sample, for all 256 codes.
    private static let decodeTable: [Int16] = (0...255).map { referenceDecode(UInt8($0)) }

    /// 14-bit linear value (offset by 8192) → μ-law byte.
    private static let encodeTable: [UInt8] = (-8192...8191).map { referenceEncode14(Int16($0)) }

    // MARK: - Reference algorithm (ITU-T G.711, as in Sun's public-domain g711.c)

    private static let bias: Int32 = 0x84
    private static let clip: Int32 = 8159
    /// Upper bound of each of the 8 segments, in 14-bit scaled magnitude (bias included).
    private static let segmentEnds: [Int32] = [0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF]

    /// `st_ulaw2linear16`: complement the code, rebuild the biased magnitude, remove the bias.
    static func referenceDecode(_ code: UInt8) -> Int16 {
        let u = Int32(~code)
        var t = ((u & 0x0F) << 3) + bias
        t <<= (u & 0x70) >> 4
        return Int16((u & 0x80) != 0 ? bias - t : t - bias)
    }

    /// `st_14linear2ulaw`: `value` is a sample already shifted down to 14 bits.
    static func referenceEncode14(_ value: Int16) -> UInt8 {
        var magnitude = Int32(value)
        let mask: Int32
        if magnitude < 0 {
            magnitude = -magnitude
            mask = 0x7F
        } else {
            mask = 0xFF
        }
        if magnitude > clip { magnitude = clip }
        magnitude += bias >> 2

        guard let segment = segmentEnds.firstIndex(where: { magnitude <= $0 }) else {
            return UInt8(0x7F ^ mask)
        }
        let code = (Int32(segment) << 4) | ((magnitude >> Int32(segment + 1)) & 0x0F)
        return UInt8(code ^ mask)
    }
}
