/// 16 or 24 kHz PCM16 little-endian to Twilio's 8 kHz μ-law, streaming: a GPT-Live session's
/// speech, when it would not speak `audio/pcmu` (GPT-LIVE.md §3, `audio.format`), made ready for a
/// Twilio `media` message.
///
/// Decimation by L = 2 or 3: `Resampler`'s low-pass removes everything above 4 kHz that would
/// alias, and only every L-th output is computed (one dot product of the filter's length per
/// μ-law byte). Output byte `k` is the filtered input at sample `k·L`, counted from the first
/// sample ever given; its delay is about 3 ms (`Resampler.groupDelaySeconds`).
///
/// Chunks may be any size: an odd trailing byte waits for its partner, and a sample count that is
/// not a multiple of L keeps its phase, so any split of a stream gives the same bytes as the whole.
/// 640 bytes at 16 kHz or 960 bytes at 24 kHz (20 ms) give 160 μ-law bytes.
///
/// Nothing is allocated per call but the growth of `output` (and of the internal line, the first
/// time a chunk longer than any before arrives).
public struct PCM16Downsampler: Sendable {
    /// The PCM rate consumed: 16 000 or 24 000.
    public let inputRate: Int
    /// L: input samples per μ-law byte.
    public let factor: Int
    /// The low-pass (symmetric, so already time-reversed for the dot product).
    private let taps: [Float]
    /// The last `taps − 1` input samples (oldest first), then room for the next chunk.
    private var line: [Float]
    /// The low byte of a sample whose high byte has not arrived yet.
    private var pendingByte: UInt8?
    /// Input samples still to come before the next output's newest sample (1…L).
    private var samplesUntilOutput = 1

    /// A downsampler from `inputRate` (16 000 or 24 000 Hz); nil for any other rate.
    public init?(inputRate: Int) {
        guard let factor = Resampler.factor(forRate: inputRate) else { return nil }
        self.inputRate = inputRate
        self.factor = factor
        taps = Resampler.lowPass(factor: factor)
        line = [Float](repeating: 0, count: taps.count - 1 + 160 * factor * 4)
    }

    /// Forgets the history, a pending byte and the phase: the next chunk starts a new stream.
    public mutating func reset() {
        for i in 0..<(taps.count - 1) { line[i] = 0 }
        pendingByte = nil
        samplesUntilOutput = 1
    }

    /// Filters and decimates `pcm16LE`, appending one μ-law byte per `factor` samples to `output`.
    public mutating func process(pcm16LE input: UnsafeRawBufferPointer, appendingMuLaw output: inout [UInt8]) {
        guard input.count > 0 else { return }
        let history = taps.count - 1
        var consumed = 0
        var count = 0  // samples written to the line this call
        let available = (input.count + (pendingByte == nil ? 0 : 1)) / 2
        if line.count < history + available {
            line.append(contentsOf: repeatElement(0, count: history + available - line.count))
        }
        let outputs = available >= samplesUntilOutput ? (available - samplesUntilOutput) / factor + 1 : 0
        let start = output.count
        output.append(contentsOf: repeatElement(0, count: outputs))
        let factor = self.factor
        let taps = self.taps
        let pending = pendingByte
        let width = taps.count
        var next = history + samplesUntilOutput - 1  // line index of the next output's newest sample
        line.withUnsafeMutableBufferPointer { line in
            let samples = line.baseAddress!
            if let low = pending {
                samples[history] = Float(Int16(bitPattern: UInt16(low) | UInt16(input[0]) << 8))
                consumed = 1
                count = 1
            }
            while consumed + 1 < input.count {
                let bits = UInt16(input[consumed]) | UInt16(input[consumed + 1]) << 8
                samples[history + count] = Float(Int16(bitPattern: bits))
                consumed += 2
                count += 1
            }
            taps.withUnsafeBufferPointer { taps in
                output.withUnsafeMutableBufferPointer { out in
                    var k = start
                    while next < history + count {
                        let value = Resampler.dot(samples + next - history, taps.baseAddress!, count: width)
                        out[k] = MuLaw.encode(Resampler.sample(value))
                        k += 1
                        next += factor
                    }
                }
            }
            // Keep the newest samples for the next chunk (forwards: the ranges may overlap).
            for i in 0..<history { samples[i] = samples[count + i] }
        }
        samplesUntilOutput = next - (history + count) + 1
        pendingByte = consumed < input.count ? input[consumed] : nil
    }

    /// Filters and decimates `pcm16LE`; see `process(pcm16LE:appendingMuLaw:)`.
    public mutating func process(pcm16LE: [UInt8], appendingMuLaw output: inout [UInt8]) {
        pcm16LE.withUnsafeBytes { process(pcm16LE: $0, appendingMuLaw: &output) }
    }
}
