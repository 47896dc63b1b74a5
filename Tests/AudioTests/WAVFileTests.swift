import Foundation
import Testing
import Audio

/// RIFF WAVE reading and writing, checked against literal headers and against files SoX makes.
@Suite struct WAVFileTests {
    // MARK: - Writing

    @Test func serialized_muLaw8kHasFormatFactAndPaddedData() {
        let bytes = WAVFile.muLaw8k([0xFF, 0x00, 0x80]).serialized()
        let expected: [UInt8] = Array("RIFF".utf8) + [54, 0, 0, 0] + Array("WAVE".utf8)
            + Array("fmt ".utf8) + [18, 0, 0, 0]
            + [7, 0] + [1, 0] + [0x40, 0x1F, 0, 0] + [0x40, 0x1F, 0, 0] + [1, 0] + [8, 0] + [0, 0]
            + Array("fact".utf8) + [4, 0, 0, 0] + [3, 0, 0, 0]
            + Array("data".utf8) + [3, 0, 0, 0] + [0xFF, 0x00, 0x80] + [0]
        #expect(bytes == expected)
    }

    @Test func parse_roundTripsWhatItWrites() throws {
        let muLaw = WAVFile.muLaw8k((0...255).map { UInt8($0) })
        #expect(try WAVFile.parse(muLaw.serialized()) == muLaw)
        let pcm = WAVFile(sampleRate: 16000, channels: 2, encoding: .pcm16, data: [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(try WAVFile.parse(pcm.serialized()) == pcm)
    }

    @Test func write_thenReadFromDisk() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("prompt.wav")
        let file = WAVFile.muLaw8k([1, 2, 3, 4, 5])
        try file.write(path: path)
        let read = try WAVFile.read(path: path)
        #expect(read.data == file.data)
        #expect(read.sourcePath == path)
        #expect(try read.muLawBytes() == [1, 2, 3, 4, 5])
    }

    // MARK: - Parsing

    @Test func parse_skipsUnknownAndOddSizedChunks() throws {
        let bytes = Self.riff(
            Self.chunk("LIST", [1, 2, 3])  // odd size: a pad byte follows
                + Self.chunk("fmt ", Self.fmt(tag: 1, channels: 1, rate: 8000, bits: 16))
                + Self.chunk("fact", [2, 0, 0, 0])
                + Self.chunk("data", [0x00, 0x10, 0x00, 0xF0]))
        let file = try WAVFile.parse(bytes)
        #expect(file.encoding == .pcm16)
        #expect(file.data == [0x00, 0x10, 0x00, 0xF0])
        #expect(try file.muLawBytes() == [MuLaw.encode(0x1000), MuLaw.encode(-0x1000)])
    }

    @Test func parse_resolvesExtensibleSubFormats() throws {
        for (subTag, bits, encoding) in [(UInt16(1), 16, WAVFile.Encoding.pcm16), (7, 8, .muLaw), (3, 32, .float(bitsPerSample: 32))] {
            let bytes = Self.riff(Self.chunk("fmt ", Self.extensibleFmt(subTag: subTag, bits: bits))
                + Self.chunk("data", [0x7F, 0x7F]))
            let file = try WAVFile.parse(bytes)
            #expect(file.encoding == encoding)
            #expect(file.sampleRate == 8000 && file.channels == 1)
        }
    }

    @Test func parse_rejectsNonRIFFTruncatedAndMissingChunks() {
        #expect(throws: WAVError.notRIFF) { try WAVFile.parse(Array("OggS....WAVE".utf8)) }
        #expect(throws: WAVError.notRIFF) { try WAVFile.parse([]) }
        #expect(throws: WAVError.truncated) { try WAVFile.parse(Array("RIFF".utf8) + [0, 0]) }
        let overrun = Self.riff(Self.chunk("fmt ", Self.fmt(tag: 7, channels: 1, rate: 8000, bits: 8)))
            + Array("data".utf8) + [100, 0, 0, 0, 1, 2, 3]
        #expect(throws: WAVError.truncated) { try WAVFile.parse(overrun) }
        #expect(throws: WAVError.missingChunk("data")) {
            try WAVFile.parse(Self.riff(Self.chunk("fmt ", Self.fmt(tag: 7, channels: 1, rate: 8000, bits: 8))))
        }
        #expect(throws: WAVError.missingChunk("fmt ")) { try WAVFile.parse(Self.riff(Self.chunk("data", [1]))) }
    }

    @Test func muLawBytes_refusesOtherFormatsWithSoxCommand() {
        let cases: [(WAVFile, String)] = [
            (WAVFile(sampleRate: 8000, channels: 1, encoding: .aLaw, data: [0]), "A-law"),
            (WAVFile(sampleRate: 8000, channels: 1, encoding: .pcm(bitsPerSample: 8), data: [0]), "8-bit PCM"),
            (WAVFile(sampleRate: 8000, channels: 1, encoding: .float(bitsPerSample: 32), data: [0]), "32-bit float"),
            (WAVFile(sampleRate: 16000, channels: 1, encoding: .muLaw, data: [0]), "16000 Hz"),
        ]
        for (file, what) in cases {
            let error = #expect(throws: WAVError.self) { try file.muLawBytes() }
            let message = error.map(String.init(describing:)) ?? ""
            #expect(message.contains(what))
            #expect(message.contains("sox in.wav -r 8000 -c 1 -e mu-law out.wav"))
        }
    }

    @Test func muLawBytes_quotesPathsInTheSoxCommand() {
        let file = WAVFile(sampleRate: 44100, channels: 2, encoding: .pcm16, data: [], sourcePath: "my prompts/it's.wav")
        let error = #expect(throws: WAVError.self) { try file.muLawBytes() }
        #expect(error?.description.contains(#"sox 'my prompts/it'\''s.wav' -r 8000 -c 1 -e mu-law"#) == true)
    }

    @Test func read_missingFileNamesPathAndCause() {
        let error = #expect(throws: WAVError.self) { try WAVFile.read(path: "/nonexistent/x.wav") }
        let message = error?.description ?? ""
        #expect(message.contains("/nonexistent/x.wav"))
        #expect(message.contains("No such file"))
    }

    // MARK: - SoX as a peer

    @Test(.enabled(if: ExternalTool.isOnPath("sox")))
    func sox_pcm16AndMuLawFilesAgreeWithOurCodec() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pcmPath = directory.path("tone-pcm.wav")
        let muLawPath = directory.path("tone-ulaw.wav")
        _ = try ExternalTool.check("sox", ["-n", "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer",
                                           pcmPath, "synth", "0.25", "sine", "300-3000", "vol", "0.9"])
        // -D: no dither, so SoX's μ-law is the plain G.711 quantisation of the same samples.
        _ = try ExternalTool.check("sox", ["-D", pcmPath, "-e", "mu-law", muLawPath])

        let pcm = try WAVFile.read(path: pcmPath)
        let muLaw = try WAVFile.read(path: muLawPath)
        #expect(pcm.encoding == .pcm16 && pcm.sampleRate == 8000 && pcm.channels == 1)
        #expect(muLaw.encoding == .muLaw && muLaw.sampleRate == 8000 && muLaw.channels == 1)
        #expect(muLaw.data.count == 2000)
        // SoX rounds a sample to 14 bits (adds half a step) where the reference codec (audioop,
        // Sun g711.c) truncates with `>> 2`; with that rounding applied first, the tables agree.
        let samples = stride(from: 0, to: pcm.data.count - 1, by: 2).map {
            Int16(bitPattern: UInt16(pcm.data[$0]) | UInt16(pcm.data[$0 + 1]) << 8)
        }
        #expect(MuLaw.encode(samples.map { Int16(clamping: Int($0) + 2) }) == muLaw.data)
        let ours = try pcm.muLawBytes()
        #expect(ours == MuLaw.encode(samples))
        #expect(zip(ours, muLaw.data).filter { $0 != $1 }.count < ours.count / 20)
        #expect(try muLaw.muLawBytes() == muLaw.data)
    }

    @Test(.enabled(if: ExternalTool.isOnPath("sox")))
    func sox_decodesOurMuLawFileLikeOurCodec() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let ours = directory.path("ours.wav")
        let decoded = directory.path("decoded.wav")
        let codes = (0...255).map { UInt8($0) }
        try WAVFile.muLaw8k(codes).write(path: ours)
        _ = try ExternalTool.check("sox", [ours, "-e", "signed-integer", "-b", "16", decoded])

        let back = try WAVFile.read(path: decoded)
        #expect(back.encoding == .pcm16)
        let samples = stride(from: 0, to: back.data.count - 1, by: 2).map {
            Int16(bitPattern: UInt16(back.data[$0]) | UInt16(back.data[$0 + 1]) << 8)
        }
        #expect(samples == MuLaw.decode(codes))
    }

    @Test(.enabled(if: ExternalTool.isOnPath("sox")))
    func sox_stereo16kFileIsRefusedWithConversionCommand() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path("wide.wav")
        _ = try ExternalTool.check("sox", ["-n", "-r", "16000", "-c", "2", "-b", "16", path, "synth", "0.1", "sine", "440"])
        let file = try WAVFile.read(path: path)
        #expect(file.sampleRate == 16000 && file.channels == 2)
        let error = #expect(throws: WAVError.self) { try file.muLawBytes() }
        let message = error?.description ?? ""
        #expect(message.contains("16000 Hz, 2 channels"))
        #expect(message.contains("sox \(path) -r 8000 -c 1 -e mu-law"))
    }

    // MARK: - Builders

    static func riff(_ chunks: [UInt8]) -> [UInt8] {
        Array("RIFF".utf8) + le32(4 + chunks.count) + Array("WAVE".utf8) + chunks
    }

    static func chunk(_ id: String, _ payload: [UInt8]) -> [UInt8] {
        Array(id.utf8) + le32(payload.count) + payload + (payload.count % 2 == 1 ? [0] : [])
    }

    static func fmt(tag: UInt16, channels: Int, rate: Int, bits: Int) -> [UInt8] {
        let align = channels * bits / 8
        return le16(Int(tag)) + le16(channels) + le32(rate) + le32(rate * align) + le16(align) + le16(bits)
    }

    static func extensibleFmt(subTag: UInt16, bits: Int) -> [UInt8] {
        fmt(tag: 0xFFFE, channels: 1, rate: 8000, bits: bits) + le16(22) + le16(bits) + le32(4)
            + le16(Int(subTag)) + [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71]
    }

    static func le16(_ value: Int) -> [UInt8] { [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF)] }
    static func le32(_ value: Int) -> [UInt8] { le16(value & 0xFFFF) + le16((value >> 16) & 0xFFFF) }
}
