/// A RIFF WAVE file: its format and its raw sample bytes as stored.
///
/// The bridge plays prompts to callers, who hear 8 kHz mono G.711 μ-law; `muLawBytes()` returns
/// exactly that or explains, with a ready `sox` command, how to convert the file.
public struct WAVFile: Equatable, Sendable {
    /// How samples are encoded in `data`.
    public enum Encoding: Equatable, Sendable {
        /// G.711 μ-law, 8 bits a sample (format tag 7).
        case muLaw
        /// Signed little-endian 16-bit linear PCM (format tag 1).
        case pcm16
        /// G.711 A-law, 8 bits a sample (format tag 6). Parsed, but not playable as is.
        case aLaw
        /// Linear PCM at a sample size other than 16 bits (8-bit PCM is unsigned).
        case pcm(bitsPerSample: Int)
        /// IEEE float samples (format tag 3).
        case float(bitsPerSample: Int)
        /// Any other format tag (ADPCM, MP3, GSM...).
        case other(formatTag: UInt16, bitsPerSample: Int)

        /// The RIFF format tag (`wFormatTag`) this encoding is stored under.
        public var formatTag: UInt16 {
            switch self {
            case .muLaw: return 7
            case .pcm16, .pcm: return 1
            case .aLaw: return 6
            case .float: return 3
            case .other(let tag, _): return tag
            }
        }

        /// Bits per sample (`wBitsPerSample`).
        public var bitsPerSample: Int {
            switch self {
            case .muLaw, .aLaw: return 8
            case .pcm16: return 16
            case .pcm(let bits), .float(let bits), .other(_, let bits): return bits
            }
        }

        /// A short human description, such as "16-bit PCM" or "A-law".
        public var name: String {
            switch self {
            case .muLaw: return "μ-law"
            case .pcm16: return "16-bit PCM"
            case .aLaw: return "A-law"
            case .pcm(let bits): return "\(bits)-bit PCM"
            case .float(let bits): return "\(bits)-bit float"
            case .other(let tag, let bits):
                return "format tag 0x\(String(tag, radix: 16, uppercase: true)) (\(bits) bits)"
            }
        }
    }

    /// Samples per second, per channel.
    public var sampleRate: Int
    /// Number of interleaved channels.
    public var channels: Int
    /// How samples are encoded in `data`.
    public var encoding: Encoding
    /// The `data` chunk's bytes exactly as stored (interleaved, little-endian where it matters).
    public var data: [UInt8]
    /// The file this was read from, when known; used to write a conversion command that works.
    public var sourcePath: String?

    /// Creates a WAV file value from its parts.
    public init(sampleRate: Int, channels: Int, encoding: Encoding, data: [UInt8], sourcePath: String? = nil) {
        self.sampleRate = sampleRate
        self.channels = channels
        self.encoding = encoding
        self.data = data
        self.sourcePath = sourcePath
    }

    /// A file holding 8 kHz mono μ-law samples, the telephone format Twilio streams.
    public static func muLaw8k(_ bytes: [UInt8]) -> WAVFile {
        WAVFile(sampleRate: 8000, channels: 1, encoding: .muLaw, data: bytes)
    }

    /// The samples as 8 kHz mono μ-law bytes, ready to send to Twilio.
    ///
    /// μ-law is returned as stored; 16-bit PCM is encoded with `MuLaw`. Anything else (another
    /// rate, more than one channel, 8-bit PCM, float, A-law...) is not resampled or mixed here:
    /// it throws `WAVError.unsupportedFormat` with the `sox` command that converts the file.
    public func muLawBytes() throws -> [UInt8] {
        guard sampleRate == 8000, channels == 1 else { throw unsupported() }
        switch encoding {
        case .muLaw:
            return data
        case .pcm16:
            // A trailing odd byte is half a sample: drop it, as players do.
            var bytes: [UInt8] = []
            bytes.reserveCapacity(data.count / 2)
            var index = 0
            while index + 1 < data.count {
                let sample = Int16(bitPattern: UInt16(data[index]) | UInt16(data[index + 1]) << 8)
                bytes.append(MuLaw.encode(sample))
                index += 2
            }
            return bytes
        default:
            throw unsupported()
        }
    }

    /// A one-line description such as "16000 Hz, 2 channels, 16-bit PCM".
    public var formatDescription: String {
        "\(sampleRate) Hz, \(channels) channel\(channels == 1 ? "" : "s"), \(encoding.name)"
    }

    private func unsupported() -> WAVError {
        let input = sourcePath.map(Self.shellQuoted) ?? "in.wav"
        let output = sourcePath.map { Self.shellQuoted(Self.convertedName(for: $0)) } ?? "out.wav"
        let what = sourcePath.map { "\($0) is" } ?? "this WAV file is"
        return .unsupportedFormat(description:
            "\(what) \(formatDescription); phone audio must be 8000 Hz mono μ-law (or 16-bit PCM) — "
            + "convert it with: sox \(input) -r 8000 -c 1 -e mu-law \(output)")
    }

    /// Quotes a path for a POSIX shell when it holds anything but plain path characters:
    /// `it's.wav` → `'it'\''s.wav'` (each inner quote closed, escaped, reopened).
    private static func shellQuoted(_ path: String) -> String {
        let plain = !path.isEmpty && path.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                || "/._-+,:@".unicodeScalars.contains($0)
        }
        if plain { return path }
        return "'" + path.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
    }

    /// `prompts/hello.wav` → `prompts/hello-8k-ulaw.wav`.
    private static func convertedName(for path: String) -> String {
        let stem = path.hasSuffix(".wav") || path.hasSuffix(".WAV") ? String(path.dropLast(4)) : path
        return stem + "-8k-ulaw.wav"
    }
}
