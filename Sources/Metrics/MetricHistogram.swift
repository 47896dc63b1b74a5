/// A Prometheus histogram: observations counted into fixed buckets, with their sum and count.
struct MetricHistogram {
    /// Upper bounds of the buckets, ascending; `+Inf` is implied.
    let bounds: [Double]
    /// Observations per bucket (not cumulative); the last entry is the `+Inf` bucket.
    private(set) var counts: [Int]
    /// The sum of all observations.
    private(set) var sum = 0.0
    /// The number of observations.
    private(set) var count = 0

    /// A histogram with buckets at `bounds` (ascending).
    init(bounds: [Double]) {
        self.bounds = bounds
        counts = Array(repeating: 0, count: bounds.count + 1)
    }

    /// Counts one observation.
    mutating func observe(_ value: Double) {
        let index = bounds.firstIndex(where: { value <= $0 }) ?? bounds.count
        counts[index] += 1
        sum += value
        count += 1
    }

    /// Adds `other`'s observations (same bounds).
    mutating func absorb(_ other: MetricHistogram) {
        precondition(other.bounds == bounds, "histograms with different buckets")
        for index in counts.indices { counts[index] += other.counts[index] }
        sum += other.sum
        count += other.count
    }

    /// Writes the family: cumulative `_bucket{le=…}` lines, `_sum` and `_count`.
    func write(into text: inout PrometheusText, name: String, help: String) {
        text.family(name, .histogram, help: help)
        var cumulative = 0
        for (index, bound) in bounds.enumerated() {
            cumulative += counts[index]
            text.sample(name + "_bucket", [("le", PrometheusText.format(bound))], cumulative)
        }
        text.sample(name + "_bucket", [("le", "+Inf")], count)
        text.sample(name + "_sum", [], sum)
        text.sample(name + "_count", [], count)
    }
}

/// One event loop's iteration busy times, gathered on its thread and handed to `CallMetrics` now
/// and then (`recordLoopBusy(_:)`): the metrics' lock is not taken once per iteration.
public struct LoopBusyBatch {
    var histogram = MetricHistogram(bounds: CallMetrics.loopBusyBounds)
    /// Iterations observed since the batch was last handed over.
    public private(set) var iterations = 0

    /// An empty batch.
    public init() {}

    /// One iteration kept the thread busy for `us` microseconds.
    public mutating func observe(us: Int64) {
        histogram.observe(Double(us) / 1_000_000)
        iterations += 1
    }
}
