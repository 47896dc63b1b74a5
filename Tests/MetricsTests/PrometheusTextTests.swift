import Glibc
import Testing
@testable import Metrics

/// The exposition format by the letter; the e2e suite also parses a live `/metrics` with
/// `prometheus_client`'s parser.
@Suite struct PrometheusTextTests {
    @Test func family_writesHelpThenTypeThenSamples() {
        var text = PrometheusText()
        text.family("x_total", .counter, help: "Things.")
        text.sample("x_total", [("a", "1"), ("b", "two")], 3)
        text.sample("x_total", [], 0.25)
        #expect(text.output == "# HELP x_total Things.\n# TYPE x_total counter\nx_total{a=\"1\",b=\"two\"} 3\nx_total 0.25\n")
    }

    @Test func labelValues_escapeBackslashQuoteAndNewline() {
        var text = PrometheusText()
        text.sample("m", [("tool", "we\"b\\se\narch")], 1)
        #expect(text.output == "m{tool=\"we\\\"b\\\\se\\narch\"} 1\n")
    }

    @Test func help_escapesBackslashAndNewlineButNotQuotes() {
        #expect(PrometheusText.escapedHelp("a \"b\" \\ c\nd") == "a \"b\" \\\\ c\\nd")
    }

    @Test(arguments: [(1.0, "1"), (0.0, "0"), (-3.0, "-3"), (0.05, "0.05"), (1.5, "1.5"),
                      (Double.infinity, "+Inf"), (-Double.infinity, "-Inf"), (Double.nan, "NaN"), (1e-05, "1e-05")])
    func values_areGoFloats(value: Double, text: String) {
        #expect(PrometheusText.format(value) == text)
    }

    @Test func histogram_bucketsAreCumulative_withInfSumAndCount() {
        var histogram = MetricHistogram(bounds: [0.1, 0.5, 1])
        for value in [0.05, 0.1, 0.3, 0.7, 2.0] { histogram.observe(value) }
        var text = PrometheusText()
        histogram.write(into: &text, name: "h_seconds", help: "H.")
        #expect(text.output == """
            # HELP h_seconds H.
            # TYPE h_seconds histogram
            h_seconds_bucket{le="0.1"} 2
            h_seconds_bucket{le="0.5"} 3
            h_seconds_bucket{le="1"} 4
            h_seconds_bucket{le="+Inf"} 5
            h_seconds_sum 3.15
            h_seconds_count 5

            """)
    }

    @Test func metrics_renderEveryFamilyOnce_withKnownOutcomesAtZero() {
        let metrics = CallMetrics()
        metrics.recordCall(outcome: "completed")
        metrics.recordToolCall(tool: "web_search", outcome: "ok")
        metrics.recordToolCall(tool: "web_search", outcome: "ok")
        metrics.recordProviderHandshake(ms: 120)
        let text = metrics.render(.init(activeCalls: 2, maxCalls: 10, pendingCalls: 1, draining: false, ready: true))
        let types = text.split(separator: "\n").filter { $0.hasPrefix("# TYPE ") }.map { $0.split(separator: " ")[2] }
        #expect(Set(types).count == types.count, "a family appears twice")
        #expect(text.contains("voice_bridge_calls_total{outcome=\"completed\"} 1\n"))
        #expect(text.contains("voice_bridge_calls_total{outcome=\"rejected_signature\"} 0\n"))
        #expect(text.contains("voice_bridge_tool_calls_total{tool=\"web_search\",outcome=\"ok\"} 2\n"))
        #expect(text.contains("voice_bridge_provider_handshake_seconds_bucket{le=\"0.2\"} 1\n"))
        #expect(text.contains("voice_bridge_provider_handshake_seconds_bucket{le=\"0.1\"} 0\n"))
        #expect(text.contains("voice_bridge_active_calls 2\n"))
        #expect(text.contains("\nprocess_open_fds "))
        #expect(text.contains("\nprocess_resident_memory_bytes "))
        #expect(text.hasSuffix("\n"))
    }

    /// Other suites open and close sockets in parallel, so one reading can be off: the count
    /// must match exactly in at least one of a few tries (a wrong count never would).
    @Test func openFDs_countsADescriptorWeOpen() throws {
        var matched = false
        for _ in 0..<10 where !matched {
            let before = try #require(ProcessStats.countOpenFDs())
            let fd = open("/dev/null", O_RDONLY)
            let during = ProcessStats.countOpenFDs()
            close(fd)
            matched = during == before + 1
        }
        #expect(matched)
    }
}
