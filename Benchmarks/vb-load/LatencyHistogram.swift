/// Latencies in microseconds, bucketed: 10 µs wide below 100 ms, 1 ms wide up to 10 s, one
/// overflow bucket above. Percentiles are exact to the bucket; the maximum and mean are exact.
struct LatencyHistogram {
    private static let fineWidth: Int64 = 10, fineLimit: Int64 = 100_000
    private static let coarseWidth: Int64 = 1_000, coarseLimit: Int64 = 10_000_000
    private static let fineCount = Int(fineLimit / fineWidth)
    private static let coarseCount = Int((coarseLimit - fineLimit) / coarseWidth)

    private var buckets = [UInt32](repeating: 0, count: fineCount + coarseCount + 1)
    /// Samples recorded.
    private(set) var count = 0
    /// The largest sample.
    private(set) var max: Int64 = 0
    private var sum: Int64 = 0

    /// Records one latency (negative values count as 0).
    mutating func record(_ us: Int64) {
        let v = Swift.max(0, us)
        let index: Int
        if v < Self.fineLimit {
            index = Int(v / Self.fineWidth)
        } else if v < Self.coarseLimit {
            index = Self.fineCount + Int((v - Self.fineLimit) / Self.coarseWidth)
        } else {
            index = buckets.count - 1
        }
        buckets[index] &+= 1
        count += 1
        sum += v
        if v > max { max = v }
    }

    /// The mean, or 0 without samples.
    var mean: Int64 { count == 0 ? 0 : sum / Int64(count) }

    /// The value below which `fraction` (0...1) of the samples fall: the upper edge of that
    /// sample's bucket, capped at the maximum. 0 without samples.
    func percentile(_ fraction: Double) -> Int64 {
        guard count > 0 else { return 0 }
        let rank = Swift.max(1, Int((fraction * Double(count)).rounded(.up)))
        var seen = 0
        for (index, n) in buckets.enumerated() where n > 0 {
            seen += Int(n)
            if seen >= rank { return Swift.min(max, Self.upperEdge(index)) }
        }
        return max
    }

    private static func upperEdge(_ index: Int) -> Int64 {
        if index < fineCount { return Int64(index + 1) * fineWidth }
        if index < fineCount + coarseCount { return fineLimit + Int64(index - fineCount + 1) * coarseWidth }
        return Int64.max
    }
}
