/// The filter and inner loop shared by `MuLawUpsampler` and `PCM16Downsampler`: converting
/// between Twilio's 8 kHz μ-law and the 16 or 24 kHz PCM16 a GPT-Live service may insist on
/// (GPT-LIVE.md "What a Twilio bridge must do differently", 2: the fallback when `audio/pcmu` is
/// refused).
///
/// One linear-phase low-pass FIR, a Kaiser-windowed sinc designed at the high rate, serves both
/// directions: it removes the images that zero-stuffing makes when upsampling and the band that
/// would alias when decimating. Its length is `tapsPerPhase × factor` (96 taps at 16 kHz, 144 at
/// 24 kHz), so each polyphase branch is `tapsPerPhase` taps long, a multiple of the 16 lanes the
/// inner loop consumes per step.
///
/// Response (the same at both rates, checked by `ResamplerTests`):
/// - passband 0–3.6 kHz, flat within 0.06 dB;
/// - −6 dB at 3.9 kHz, about −12.6 dB at 4 kHz;
/// - stopband from 4.3 kHz, at least 68 dB down (β = 6.5).
/// Group delay: (taps − 1) / 2 samples at the high rate, in each direction: 2.97 ms at 16 kHz
/// (47.5 samples), 2.98 ms at 24 kHz (71.5 samples); a round trip (up, then down) adds twice that.
public enum Resampler {
    /// Taps of each polyphase branch: the filter has `tapsPerPhase × factor` taps.
    public static let tapsPerPhase = 48
    /// The −6 dB point of the low-pass, in hertz: midway across the 3.6–4.3 kHz transition band.
    public static let cutoffHz = 3_900.0
    /// The Kaiser window's β: at least 68 dB of stopband attenuation.
    public static let kaiserBeta = 6.5
    /// The telephone side's rate: G.711 from Twilio Media Streams.
    public static let narrowbandRate = 8_000

    /// The integer factor between 8 kHz and `rate` (2 for 16 kHz, 3 for 24 kHz); nil for other rates.
    public static func factor(forRate rate: Int) -> Int? {
        switch rate {
        case 16_000: return 2
        case 24_000: return 3
        default: return nil
        }
    }

    /// The group delay of one direction at `rate`, in seconds: (taps − 1) / 2 high-rate samples.
    public static func groupDelaySeconds(rate: Int) -> Double? {
        guard let factor = factor(forRate: rate) else { return nil }
        return Double(tapsPerPhase * factor - 1) / 2 / Double(rate)
    }

    /// The low-pass for `factor`, with a DC gain of 1, computed once per factor.
    static func lowPass(factor: Int) -> [Float] {
        factor == 2 ? lowPass2 : lowPass3
    }

    private static let lowPass2 = design(factor: 2)
    private static let lowPass3 = design(factor: 3)

    /// A windowed sinc: h[n] = 2fc/fs · sinc(2fc/fs · (n − c)) · kaiser(n), c = (N − 1) / 2, then
    /// scaled so that the taps sum to 1. Symmetric, so it is its own time reversal.
    static func design(factor: Int) -> [Float] {
        let count = tapsPerPhase * factor
        let rate = Double(narrowbandRate * factor)
        let centre = Double(count - 1) / 2
        let normalisedCutoff = 2 * cutoffHz / rate  // of the high rate's Nyquist
        let windowScale = besselI0(kaiserBeta)
        var taps = [Double](repeating: 0, count: count)
        for n in 0..<count {
            let x = normalisedCutoff * (Double(n) - centre)
            let sinc = x == 0 ? 1 : sin(Double.pi * x) / (Double.pi * x)
            let r = 2 * (Double(n) - centre) / Double(count - 1)
            let window = besselI0(kaiserBeta * (max(0, 1 - r * r)).squareRoot()) / windowScale
            taps[n] = normalisedCutoff * sinc * window
        }
        let sum = taps.reduce(0, +)
        return taps.map { Float($0 / sum) }
    }

    /// The modified Bessel function of the first kind, order 0, by its power series (converges
    /// fast for the arguments of a Kaiser window).
    static func besselI0(_ x: Double) -> Double {
        var sum = 1.0
        var term = 1.0
        var k = 1.0
        repeat {
            let half = x / (2 * k)
            term *= half * half
            sum += term
            k += 1
        } while term > 1e-12 * sum
        return sum
    }

    /// sin without Foundation: the filter is designed once, so a Taylor series after range
    /// reduction is exact enough (error below 1e-15 on [−π, π]).
    private static func sin(_ x: Double) -> Double {
        var r = x.truncatingRemainder(dividingBy: 2 * Double.pi)
        if r > Double.pi { r -= 2 * Double.pi } else if r < -Double.pi { r += 2 * Double.pi }
        var term = r
        var sum = r
        var n = 1.0
        while abs(term) > 1e-18 {
            term *= -r * r / ((2 * n) * (2 * n + 1))
            sum += term
            n += 1
        }
        return sum
    }

    /// Σ a[i]·b[i] over `count` floats, `count` a multiple of 16: two 8-lane accumulators, so the
    /// release build issues vector multiply-adds without reassociating a scalar sum.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var low = SIMD8<Float>()
        var high = SIMD8<Float>()
        var i = 0
        while i < count {
            low += UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self)
                * UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
            high += UnsafeRawPointer(a + i + 8).loadUnaligned(as: SIMD8<Float>.self)
                * UnsafeRawPointer(b + i + 8).loadUnaligned(as: SIMD8<Float>.self)
            i += 16
        }
        return (low + high).sum()
    }

    /// A filtered value as the nearest 16-bit sample, clipped at full scale.
    @inline(__always)
    static func sample(_ value: Float) -> Int16 {
        Int16(min(max(value, -32_768), 32_767).rounded(.toNearestOrEven))
    }
}
