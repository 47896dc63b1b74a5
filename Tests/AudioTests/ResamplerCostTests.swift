import Foundation
import Testing
import Audio

/// What resampling costs per 20 ms Twilio frame, on the audio path of every call whose GPT-Live
/// service refuses `audio/pcmu`: in the release build the daemon runs as (`scripts/test` runs the
/// `…CostTests` suites built `-c release`), a frame each way should stay far below the 20 ms it
/// carries. A debug build runs the SIMD loops many times slower; there the bound only catches
/// gross regressions.
@Suite struct ResamplerCostTests {
    #if DEBUG
    static let budgetNanos: UInt64 = 20_000_000
    #else
    static let budgetNanos: UInt64 = 100_000
    #endif
    static let frames = 200

    /// The median over `runs` of the time per frame of `body`, which processes `frames` frames.
    static func medianNanosPerFrame(runs: Int = 9, _ body: () -> Void) -> UInt64 {
        var timings: [UInt64] = []
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            timings.append((DispatchTime.now().uptimeNanoseconds - start) / UInt64(frames))
        }
        return timings.sorted()[runs / 2]
    }

    @Test(arguments: [16_000, 24_000])
    func aFrameEachWay_costsMicroseconds(rate: Int) throws {
        let frame: [UInt8] = (0..<160).map { UInt8(truncatingIfNeeded: $0 &* 37) }
        var upsampler = try #require(MuLawUpsampler(outputRate: rate))
        var downsampler = try #require(PCM16Downsampler(inputRate: rate))
        var pcm: [UInt8] = []
        pcm.reserveCapacity(960)
        var muLaw: [UInt8] = []
        muLaw.reserveCapacity(160)
        upsampler.process(muLaw: frame, appendingPCM16LE: &pcm)
        let pcmFrame = pcm

        let up = Self.medianNanosPerFrame {
            for _ in 0..<Self.frames {
                pcm.removeAll(keepingCapacity: true)
                upsampler.process(muLaw: frame, appendingPCM16LE: &pcm)
            }
        }
        let down = Self.medianNanosPerFrame {
            for _ in 0..<Self.frames {
                muLaw.removeAll(keepingCapacity: true)
                downsampler.process(pcm16LE: pcmFrame, appendingMuLaw: &muLaw)
            }
        }
        print("ResamplerCost \(rate) Hz: up \(up) ns/frame, down \(down) ns/frame")
        #expect(pcm.count == 160 * 2 * rate / 8_000 && muLaw.count == 160)
        #expect(up < Self.budgetNanos, "upsampling a frame to \(rate) Hz took \(up) ns")
        #expect(down < Self.budgetNanos, "downsampling a frame from \(rate) Hz took \(down) ns")
    }
}
