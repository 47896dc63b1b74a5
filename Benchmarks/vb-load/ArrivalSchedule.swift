/// When each simulated call sends each of its 20 ms frames, relative to the start of the run.
///
/// - `slotted`: call i in one-millisecond slot i mod 20, no jitter — the whole slot's frames leave
///   together, so the bridge wakes once per slot whatever the number of calls (the first round's
///   bench; repeatable, and what `scripts/callgrind-frame` uses).
/// - `random`: each call at its own phase, uniform over the 20 ms period with microsecond
///   resolution, and each frame moved by a uniform jitter of up to ±`jitterUs` — as Twilio's calls
///   arrive, each on its own clock through the network. The jitter never reorders a call's frames
///   (it is below half a period), and every draw comes from `seed`, the call and the frame
///   number, so a seed repeats the run's schedule exactly, whatever order the sends happen in.
struct ArrivalSchedule {
    enum Arrival: String, CaseIterable { case slotted, random }

    static let periodUs: Int64 = 20_000
    /// Jitter beyond this could swap two frames of one call.
    static let maxJitterUs: Int64 = periodUs / 2 - 1

    let arrival: Arrival
    let seed: UInt64
    let jitterUs: Int64

    init(arrival: Arrival, seed: UInt64, jitterUs: Int64) {
        precondition(jitterUs >= 0 && jitterUs <= Self.maxJitterUs)
        self.arrival = arrival
        self.seed = seed
        self.jitterUs = arrival == .slotted ? 0 : jitterUs
    }

    /// The call's phase within the period, in microseconds.
    func phaseUs(call: Int) -> Int64 {
        switch arrival {
        case .slotted: return Int64(call % 20) * 1_000
        case .random: return Int64(Self.mix(seed, UInt64(call), 0) % UInt64(Self.periodUs))
        }
    }

    /// When frame `frame` of call `call` is due, in microseconds after the start. Frame n + 1 is
    /// always due after frame n.
    func dueUs(call: Int, frame: Int) -> Int64 {
        let nominal = phaseUs(call: call) + Int64(frame) * Self.periodUs
        guard jitterUs > 0 else { return nominal }
        // Shifted by +jitterUs so no frame is due before the start: within [nominal, nominal + 2 jitter].
        return nominal + Int64(Self.mix(seed, UInt64(call), UInt64(frame) + 1) % UInt64(2 * jitterUs + 1))
    }

    /// SplitMix64's finaliser over the three inputs: a stateless, seeded draw.
    private static func mix(_ seed: UInt64, _ a: UInt64, _ b: UInt64) -> UInt64 {
        var z = seed &+ a &* 0x9E37_79B9_7F4A_7C15 &+ b &* 0xD1B5_4A32_D192_ED03
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
