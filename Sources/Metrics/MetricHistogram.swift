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
