import Foundation
import Testing
@testable import Audio

/// 8 kHz μ-law ⇄ 16/24 kHz PCM16: exact lengths, the filter's response measured on tones
/// (Goertzel at exact bins), chunking that changes nothing, and the documented delay.
@Suite struct ResamplerTests {
    static let rates = [16_000, 24_000]

    // MARK: Signals and measurements

    /// `seconds` of a sine at `frequency` and `rate`, as 16-bit samples of peak `amplitude`.
    static func sine(_ frequency: Double, rate: Int, seconds: Double, amplitude: Double = 8_000) -> [Int16] {
        (0..<Int(Double(rate) * seconds)).map { n in
            Int16((amplitude * sinTurns(frequency * Double(n) / Double(rate))).rounded())
        }
    }

    /// sin(2π·turns).
    static func sinTurns(_ turns: Double) -> Double {
        sin(2 * Double.pi * turns)
    }

    /// The peak amplitude of the component at `frequency` (Goertzel; `frequency·count/rate` should
    /// be a whole number, so the tone sits exactly on a bin).
    static func amplitude(at frequency: Double, in samples: ArraySlice<Int16>, rate: Int) -> Double {
        let coefficient = 2 * sinTurns(0.25 + frequency / Double(rate))  // 2cos(ω)
        var s1 = 0.0, s2 = 0.0
        for sample in samples {
            let s0 = Double(sample) + coefficient * s1 - s2
            s2 = s1
            s1 = s0
        }
        let power = s1 * s1 + s2 * s2 - coefficient * s1 * s2
        return power.squareRoot() * 2 / Double(samples.count)
    }

    static func decibels(_ ratio: Double) -> Double {
        20 * log10(ratio)
    }

    static func pcm16(_ samples: [Int16]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(samples.count * 2)
        for sample in samples {
            let bits = UInt16(bitPattern: sample)
            bytes.append(UInt8(truncatingIfNeeded: bits))
            bytes.append(UInt8(truncatingIfNeeded: bits >> 8))
        }
        return bytes
    }

    static func samples(_ pcm16: [UInt8]) -> [Int16] {
        stride(from: 0, to: pcm16.count - 1, by: 2).map {
            Int16(bitPattern: UInt16(pcm16[$0]) | UInt16(pcm16[$0 + 1]) << 8)
        }
    }

    static func upsample(_ muLaw: [UInt8], to rate: Int) throws -> [UInt8] {
        var upsampler = try #require(MuLawUpsampler(outputRate: rate))
        var output: [UInt8] = []
        upsampler.process(muLaw: muLaw, appendingPCM16LE: &output)
        return output
    }

    static func downsample(_ pcm: [UInt8], from rate: Int) throws -> [UInt8] {
        var downsampler = try #require(PCM16Downsampler(inputRate: rate))
        var output: [UInt8] = []
        downsampler.process(pcm16LE: pcm, appendingMuLaw: &output)
        return output
    }

    /// A deterministic noise-like signal (a linear congruential generator), full band.
    static func noise(count: Int, seed: UInt64 = 7) -> [Int16] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int16(truncatingIfNeeded: Int64(state >> 33) % 20_000 - 10_000)
        }
    }

    /// Where two byte strings first differ (the shorter one's length when one is a prefix of the
    /// other), nil when they are equal: a short failure message instead of two long arrays.
    static func firstDifference(_ a: [UInt8], _ b: [UInt8]) -> Int? {
        if let index = zip(a, b).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset { return index }
        return a.count == b.count ? nil : min(a.count, b.count)
    }

    // MARK: Lengths and rates

    @Test func unsupportedRates_areRefused() {
        #expect(MuLawUpsampler(outputRate: 8_000) == nil)
        #expect(MuLawUpsampler(outputRate: 48_000) == nil)
        #expect(PCM16Downsampler(inputRate: 22_050) == nil)
        #expect(MuLawUpsampler(outputRate: 16_000)?.factor == 2)
        #expect(PCM16Downsampler(inputRate: 24_000)?.factor == 3)
    }

    @Test func aTwilioFrame_givesExactlyTwentyMillisecondsAtEitherRate() throws {
        let frame = [UInt8](repeating: 0xFF, count: 160)
        #expect(try Self.upsample(frame, to: 16_000).count == 640)  // 320 samples
        #expect(try Self.upsample(frame, to: 24_000).count == 960)  // 480 samples
        #expect(try Self.downsample([UInt8](repeating: 0, count: 640), from: 16_000).count == 160)
        #expect(try Self.downsample([UInt8](repeating: 0, count: 960), from: 24_000).count == 160)
        // Silence stays silence (μ-law 0xFF is 0).
        #expect(try Self.upsample(frame, to: 24_000).allSatisfy { $0 == 0 })
        #expect(try Self.downsample([UInt8](repeating: 0, count: 960), from: 24_000).allSatisfy { $0 == 0xFF })
    }

    // MARK: Frequency response

    @Test(arguments: rates)
    func passbandTones_surviveUpThenDownWithinOneDecibel(rate: Int) throws {
        for frequency in [1_000.0, 3_000.0] {
            let input = Self.sine(frequency, rate: 8_000, seconds: 1)
            let inputAmplitude = Self.amplitude(at: frequency, in: input[800..<8_000], rate: 8_000)
            let up = Self.samples(try Self.upsample(MuLaw.encode(input), to: rate))
            #expect(up.count == input.count * rate / 8_000)
            let factor = rate / 8_000
            let upAmplitude = Self.amplitude(at: frequency, in: up[(800 * factor)..<(8_000 * factor)], rate: rate)
            let back = MuLaw.decode(try Self.downsample(Self.pcm16(up), from: rate))
            #expect(back.count == input.count)
            let backAmplitude = Self.amplitude(at: frequency, in: back[800..<8_000], rate: 8_000)
            for (stage, amplitude) in [("up", upAmplitude), ("up and down", backAmplitude)] {
                let ratio = amplitude / inputAmplitude
                // ±1 dB is 0.891…1.122.
                #expect(ratio > 0.891 && ratio < 1.122, "\(frequency) Hz \(stage) at \(rate): \(Self.decibels(ratio)) dB")
            }
            // The right frequency: zero crossings over the last 0.9 s (2 per period).
            let tail = back[800..<8_000]
            var crossings = 0
            for (previous, next) in zip(tail, tail.dropFirst()) where (previous < 0) != (next < 0) { crossings += 1 }
            let expected = Int(frequency * 0.9 * 2)
            #expect(abs(crossings - expected) <= 4, "\(frequency) Hz at \(rate): \(crossings) crossings, expected \(expected)")
        }
    }

    @Test(arguments: rates)
    func upsampling_rejectsTheImagesOfA3kHzTone(rate: Int) throws {
        let up = Self.samples(try Self.upsample(MuLaw.encode(Self.sine(3_000, rate: 8_000, seconds: 1)), to: rate))
        let factor = rate / 8_000
        let window = up[(800 * factor)..<(8_000 * factor)]
        let tone = Self.amplitude(at: 3_000, in: window, rate: rate)
        // Zero-stuffing repeats the spectrum around multiples of 8 kHz: 5, 11, 13, 19, 21 kHz.
        let images = [5_000.0, 11_000, 13_000, 19_000, 21_000].filter { $0 < Double(rate) / 2 }
        for image in images {
            let ratio = Self.amplitude(at: image, in: window, rate: rate) / tone
            #expect(ratio < 0.01, "image at \(image) Hz is \(Self.decibels(ratio)) dB (want ≤ −40)")
        }
    }

    @Test(arguments: rates)
    func downsampling_rejectsWhatWouldAlias(rate: Int) throws {
        func level(of frequency: Double, measuredAt alias: Double) throws -> Double {
            let pcm = Self.pcm16(Self.sine(frequency, rate: rate, seconds: 1))
            let out = MuLaw.decode(try Self.downsample(pcm, from: rate))
            return Self.amplitude(at: alias, in: out[800..<8_000], rate: 8_000)
        }
        let passband = try level(of: 2_000, measuredAt: 2_000)
        #expect(passband > 7_000)
        // 6 kHz folds onto 2 kHz at 8 kHz; so does 10 kHz (24 kHz input only).
        for frequency in rate == 24_000 ? [6_000.0, 10_000] : [6_000.0] {
            let ratio = try level(of: frequency, measuredAt: 2_000) / passband
            #expect(ratio < 0.01, "\(frequency) Hz aliases at \(Self.decibels(ratio)) dB (want ≤ −40)")
        }
    }

    @Test(arguments: [2, 3])
    func theLowPass_meetsItsDocumentedResponse(factor: Int) {
        let taps = Resampler.lowPass(factor: factor).map(Double.init)
        let rate = Double(8_000 * factor)
        func gain(_ frequency: Double) -> Double {
            var re = 0.0, im = 0.0
            for (n, tap) in taps.enumerated() {
                let turns = frequency * Double(n) / rate
                re += tap * Self.sinTurns(turns + 0.25)
                im += tap * Self.sinTurns(turns)
            }
            return (re * re + im * im).squareRoot()
        }
        #expect(taps.count == Resampler.tapsPerPhase * factor)
        #expect(zip(taps, taps.reversed()).allSatisfy { $0 == $1 }, "linear phase: symmetric taps")
        for frequency in stride(from: 0.0, through: 3_600, by: 100) {
            #expect(abs(gain(frequency) - 1) < 0.007, "passband at \(frequency) Hz: \(gain(frequency))")  // 0.06 dB
        }
        for frequency in stride(from: 4_300.0, through: rate / 2, by: 50) {
            #expect(gain(frequency) < 0.000_398, "stopband at \(frequency) Hz: \(Self.decibels(gain(frequency))) dB")  // −68 dB
        }
    }

    // MARK: Streaming

    @Test(arguments: rates)
    func upsampling_givesTheSameBytesWhateverTheChunks(rate: Int) throws {
        let input = MuLaw.encode(Self.noise(count: 8_000))
        let whole = try Self.upsample(input, to: rate)
        for sizes in [[160], [1, 7, 33, 161, 2, 319, 5]] {
            var upsampler = try #require(MuLawUpsampler(outputRate: rate))
            var output: [UInt8] = []
            var offset = 0, turn = 0
            while offset < input.count {
                let size = min(sizes[turn % sizes.count], input.count - offset)
                upsampler.process(muLaw: Array(input[offset..<(offset + size)]), appendingPCM16LE: &output)
                offset += size
                turn += 1
            }
            #expect(Self.firstDifference(output, whole) == nil, "chunks of \(sizes)")
        }
    }

    @Test(arguments: rates)
    func downsampling_givesTheSameBytesWhateverTheChunks(rate: Int) throws {
        let input = Self.pcm16(Self.noise(count: rate))
        let whole = try Self.downsample(input, from: rate)
        #expect(whole.count == 8_000)
        // 640/960 bytes are Twilio-sized frames; the odd sizes split samples and break the phase.
        for sizes in [[rate / 8_000 * 320], [1, 7, 33, 161, 2, 319, 5, 1], [3]] {
            var downsampler = try #require(PCM16Downsampler(inputRate: rate))
            var output: [UInt8] = []
            var offset = 0, turn = 0
            while offset < input.count {
                let size = min(sizes[turn % sizes.count], input.count - offset)
                downsampler.process(pcm16LE: Array(input[offset..<(offset + size)]), appendingMuLaw: &output)
                offset += size
                turn += 1
            }
            #expect(Self.firstDifference(output, whole) == nil, "chunks of \(sizes)")
        }
    }

    @Test func reset_startsANewStream() throws {
        let input = MuLaw.encode(Self.noise(count: 400))
        var upsampler = try #require(MuLawUpsampler(outputRate: 24_000))
        var first: [UInt8] = [], second: [UInt8] = []
        upsampler.process(muLaw: input, appendingPCM16LE: &first)
        upsampler.reset()
        upsampler.process(muLaw: input, appendingPCM16LE: &second)
        #expect(first == second)

        var downsampler = try #require(PCM16Downsampler(inputRate: 16_000))
        first = []; second = []
        downsampler.process(pcm16LE: [1, 2, 3], appendingMuLaw: &first)  // leaves a byte and a phase
        downsampler.reset()
        downsampler.process(pcm16LE: Self.pcm16(Self.noise(count: 800)), appendingMuLaw: &second)
        #expect(second == (try Self.downsample(Self.pcm16(Self.noise(count: 800)), from: 16_000)))
    }

    // MARK: Delay

    @Test(arguments: rates)
    func anImpulse_peaksAtTheDocumentedGroupDelay(rate: Int) throws {
        let factor = rate / 8_000
        var input = [UInt8](repeating: 0xFF, count: 80)
        input[0] = MuLaw.encode(16_000)
        let up = Self.samples(try Self.upsample(input, to: rate))
        // (taps − 1) / 2 = 24·L − ½ samples: the two samples either side of the centre are equal.
        let centre = Resampler.tapsPerPhase * factor / 2
        let peak = up.indices.max { abs(Int(up[$0])) < abs(Int(up[$1])) }!
        #expect(peak == centre - 1 || peak == centre)
        #expect(abs(Int(up[centre - 1]) - Int(up[centre])) <= 1)
        let delay = try #require(Resampler.groupDelaySeconds(rate: rate))
        #expect(abs(delay - 0.003) < 0.000_05)
        #expect(abs(delay - Double(centre * 2 - 1) / 2 / Double(rate)) < 1e-12)
    }
}
