/// Twilio's 8 kHz μ-law to 16 or 24 kHz PCM16 little-endian, streaming: the caller's audio for a
/// GPT-Live session that refuses `audio/pcmu` (GPT-LIVE.md §3, `audio.format`).
///
/// Interpolation by L = 2 or 3 in polyphase form: output sample `m·L + p` is branch `p` of
/// `Resampler`'s low-pass applied to the last `Resampler.tapsPerPhase` input samples, so the
/// zeros that zero-stuffing would insert are never multiplied. The last input samples are kept
/// between calls, so 20 ms chunks join exactly as one long buffer would (no clicks at frame
/// edges), and every input byte yields exactly L output samples at once: 160 bytes give 320
/// samples (640 bytes) at 16 kHz, 480 samples (960 bytes) at 24 kHz. Delay: about 3 ms
/// (`Resampler.groupDelaySeconds`).
///
/// Nothing is allocated per call but the growth of `output` (and of the internal line, the first
/// time a chunk longer than any before arrives).
public struct MuLawUpsampler: Sendable {
    /// The PCM rate produced: 16 000 or 24 000.
    public let outputRate: Int
    /// L: output samples per input byte.
    public let factor: Int
    /// Branch `p`'s taps, time-reversed and scaled by L (zero-stuffing divides the level by L),
    /// branches back to back: `phases[p·T + j]` multiplies the window's sample `j` (oldest first).
    private let phases: [Float]
    /// The last `T − 1` input samples (oldest first), then room for the next chunk.
    private var line: [Float]

    private static let history = Resampler.tapsPerPhase - 1

    /// An upsampler to `outputRate` (16 000 or 24 000 Hz); nil for any other rate.
    public init?(outputRate: Int) {
        guard let factor = Resampler.factor(forRate: outputRate) else { return nil }
        self.outputRate = outputRate
        self.factor = factor
        let taps = Resampler.lowPass(factor: factor)
        let width = Resampler.tapsPerPhase
        var phases = [Float](repeating: 0, count: width * factor)
        for p in 0..<factor {
            for j in 0..<width {
                // y[mL+p] = Σᵢ h[iL+p]·x[m−i]; window sample j is x[m−(T−1)+j], so i = T−1−j.
                phases[p * width + j] = taps[(width - 1 - j) * factor + p] * Float(factor)
            }
        }
        self.phases = phases
        line = [Float](repeating: 0, count: Self.history + 160 * 4)
    }

    /// Forgets the history: the next chunk starts from silence, as a new stream.
    public mutating func reset() {
        for i in 0..<Self.history { line[i] = 0 }
    }

    /// Decodes and upsamples `muLaw`, appending `factor × 2` bytes per input byte to `output`.
    public mutating func process(muLaw: UnsafeRawBufferPointer, appendingPCM16LE output: inout [UInt8]) {
        let count = muLaw.count
        guard count > 0 else { return }
        let history = Self.history
        if line.count < history + count {
            line.append(contentsOf: repeatElement(0, count: history + count - line.count))
        }
        let start = output.count
        output.append(contentsOf: repeatElement(0, count: count * factor * 2))
        let factor = self.factor
        let width = Resampler.tapsPerPhase
        let phases = self.phases
        phases.withUnsafeBufferPointer { phases in
            line.withUnsafeMutableBufferPointer { line in
                let samples = line.baseAddress!
                for i in 0..<count {
                    samples[history + i] = Float(MuLaw.decode(muLaw[i]))
                }
                output.withUnsafeMutableBytes { bytes in
                    var out = bytes.baseAddress! + start
                    for m in 0..<count {
                        let window = UnsafePointer(samples + m)
                        for p in 0..<factor {
                            let value = Resampler.dot(window, phases.baseAddress! + p * width, count: width)
                            let bits = UInt16(bitPattern: Resampler.sample(value))
                            out.storeBytes(of: UInt8(truncatingIfNeeded: bits), as: UInt8.self)
                            (out + 1).storeBytes(of: UInt8(truncatingIfNeeded: bits >> 8), as: UInt8.self)
                            out += 2
                        }
                    }
                }
                // Keep the newest T − 1 samples for the next chunk (forwards: the ranges may overlap).
                for i in 0..<history { samples[i] = samples[count + i] }
            }
        }
    }

    /// Decodes and upsamples `muLaw`; see `process(muLaw:appendingPCM16LE:)`.
    public mutating func process(muLaw: [UInt8], appendingPCM16LE output: inout [UInt8]) {
        muLaw.withUnsafeBytes { process(muLaw: $0, appendingPCM16LE: &output) }
    }
}
