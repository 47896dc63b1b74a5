// RIFF WAVE parsing. References: Microsoft "Multimedia Programming Interface and Data
// Specifications 1.0" (RIFF chunks, word alignment), and the WAVE_FORMAT_EXTENSIBLE layout in
// mmreg.h / ksmedia.h.

extension WAVFile {
    /// Parses a complete WAV file held in memory.
    ///
    /// Walks the chunk list: unknown chunks (`LIST`, `fact`, `cue `, ...) are skipped, odd-sized
    /// chunks are followed by their pad byte, and `WAVE_FORMAT_EXTENSIBLE` is resolved through its
    /// sub-format GUID. Any format parses; `muLawBytes()` decides what is usable.
    public static func parse(_ bytes: [UInt8]) throws -> WAVFile {
        guard bytes.count >= 12 else {
            throw bytes.count >= 4 && bytes.starts(with: riffTag) ? WAVError.truncated : WAVError.notRIFF
        }
        guard bytes[0..<4].elementsEqual(riffTag), bytes[8..<12].elementsEqual(waveTag) else {
            throw WAVError.notRIFF
        }

        var format: Format?
        var data: [UInt8]?
        var offset = 12
        while offset + 8 <= bytes.count {
            let id = Array(bytes[offset..<offset + 4])
            let size = Int(readUInt32(bytes, at: offset + 4))
            let bodyStart = offset + 8
            guard size <= bytes.count - bodyStart else { throw WAVError.truncated }
            let body = bytes[bodyStart..<bodyStart + size]

            if id.elementsEqual(fmtTag), format == nil {
                format = try Format(body)
            } else if id.elementsEqual(dataTag), data == nil {
                data = Array(body)
            }
            // RIFF: chunks are word-aligned, so an odd size is followed by one pad byte. A missing
            // pad after the last chunk is common and harmless, so it ends the loop quietly.
            offset = bodyStart + size + (size & 1)
        }

        guard let format else { throw WAVError.missingChunk("fmt ") }
        guard let data else { throw WAVError.missingChunk("data") }
        return WAVFile(sampleRate: format.sampleRate, channels: format.channels,
                       encoding: format.encoding, data: data)
    }

    /// The fields of a `fmt ` chunk that matter here.
    private struct Format {
        var sampleRate: Int
        var channels: Int
        var encoding: Encoding

        init(_ body: ArraySlice<UInt8>) throws {
            let base = body.startIndex
            // WAVEFORMAT (14 bytes) + wBitsPerSample: the smallest fmt chunk in use.
            guard body.count >= 16 else { throw WAVError.truncated }
            var tag = readUInt16(body, at: base)
            channels = Int(readUInt16(body, at: base + 2))
            sampleRate = Int(readUInt32(body, at: base + 4))
            let bits = Int(readUInt16(body, at: base + 14))

            if tag == extensibleTag {
                // WAVEFORMATEXTENSIBLE: cbSize(2) validBits(2) channelMask(4) SubFormat GUID(16).
                guard body.count >= 40 else { throw WAVError.truncated }
                let guid = body[(base + 24)..<(base + 40)]
                // KSDATAFORMAT_SUBTYPE_*: the first two bytes are the plain format tag, the rest is
                // the fixed suffix 0000-0010-8000-00AA00389B71.
                if guid.dropFirst(2).elementsEqual(subFormatSuffix) {
                    tag = readUInt16(body, at: base + 24)
                }
            }
            encoding = Self.encoding(tag: tag, bits: bits)
        }

        private static func encoding(tag: UInt16, bits: Int) -> Encoding {
            switch (tag, bits) {
            case (1, 16): return .pcm16
            case (1, _): return .pcm(bitsPerSample: bits)
            case (3, _): return .float(bitsPerSample: bits)
            case (6, _): return .aLaw
            case (7, 8): return .muLaw
            default: return .other(formatTag: tag, bitsPerSample: bits)
            }
        }
    }

    static let riffTag: [UInt8] = Array("RIFF".utf8)
    static let waveTag: [UInt8] = Array("WAVE".utf8)
    static let fmtTag: [UInt8] = Array("fmt ".utf8)
    static let factTag: [UInt8] = Array("fact".utf8)
    static let dataTag: [UInt8] = Array("data".utf8)
    static let extensibleTag: UInt16 = 0xFFFE
    static let subFormatSuffix: [UInt8] = [
        0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71,
    ]

    private static func readUInt16<C: RandomAccessCollection>(_ bytes: C, at index: Int) -> UInt16
    where C.Element == UInt8, C.Index == Int {
        UInt16(bytes[index]) | UInt16(bytes[index + 1]) << 8
    }

    private static func readUInt32<C: RandomAccessCollection>(_ bytes: C, at index: Int) -> UInt32
    where C.Element == UInt8, C.Index == Int {
        UInt32(bytes[index]) | UInt32(bytes[index + 1]) << 8
            | UInt32(bytes[index + 2]) << 16 | UInt32(bytes[index + 3]) << 24
    }
}
