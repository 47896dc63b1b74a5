import JSON

/// The bridge (or any process) measured during a run: samples before the calls, at the start and
/// end of the measured window, and after the calls ended.
struct ObservedProcess {
    var idle: ProcessSample?
    var start: ProcessSample
    var end: ProcessSample
    var after: ProcessSample?
}

/// Talk shape: the audio of the whole run both ways, in 20 ms frames of μ-law (160 bytes).
struct TalkCounts {
    /// Frames the callers sent, and the audio the mock provider received in appends.
    var callerFrames: Int
    var framesAtProvider: Int
    /// Audio the mock provider sent in deltas, and what the callers received.
    var providerFrames: Int
    var framesAtCaller: Int
    /// Responses the mock spoke.
    var turns: Int

    var lostToProvider: Int { callerFrames - framesAtProvider }
    var lostToCaller: Int { providerFrames - framesAtCaller }

    var json: JSON {
        .object(JSONObject([
            ("caller_frames_sent", .number(Double(callerFrames))), ("frames_at_provider", .number(Double(framesAtProvider))),
            ("provider_frames_sent", .number(Double(providerFrames))), ("frames_at_caller", .number(Double(framesAtCaller))),
            ("lost_to_provider", .number(Double(lostToProvider))), ("lost_to_caller", .number(Double(lostToCaller))),
            ("turns", .number(Double(turns))),
        ]))
    }
}

/// What one run of the load tool measured, written as JSON for `scripts/bench`.
struct LoadResult {
    var mode = ""
    var arrival = ""
    var shape = ""
    var seed: UInt64 = 0
    var jitterUs: Int64 = 0
    var grainUs: Int64 = 0
    var calls = 0
    var callsOpened = 0
    var rampMs = 0.0
    var windowS = 0.0
    /// Frames sent inside the measured window.
    var framesSent = 0
    /// Echo: of those, frames that came back (at any time before hang-up). Talk: frames of the
    /// model's audio the callers received inside the window.
    var framesReturned = 0
    /// Echo: sent in the window and never came back. Talk: audio lost either way over the run.
    var framesLost = 0
    /// Frames the callers sent over the whole run.
    var callerFramesTotal = 0
    /// Talk: the audio counted both ways.
    var talk: TalkCounts?
    /// Came back more than 60 ms after leaving.
    var framesLate = 0
    /// Frames that came back out of sequence on their call.
    var outOfOrder = 0
    var marksEchoed = 0
    var rtt = LatencyHistogram()
    var sendLag = LatencyHistogram()
    /// CPU of the load tool itself over the window, percent of one core.
    var loadCpuPercent = 0.0
    var observed: ObservedProcess?
    var errors: [String] = []

    var json: JSON {
        var root = JSONObject([
            ("mode", .string(mode)), ("arrival", .string(arrival)), ("shape", .string(shape)),
            ("seed", .number(Double(seed))), ("jitter_ms", .number(Double(jitterUs) / 1000)),
            ("grain_us", .number(Double(grainUs))),
            ("calls", .number(Double(calls))),
            ("calls_opened", .number(Double(callsOpened))), ("ramp_ms", .number(rampMs.rounded())),
            ("window_s", .number((windowS * 1000).rounded() / 1000)),
            ("frames_sent", .number(Double(framesSent))), ("frames_returned", .number(Double(framesReturned))),
            ("frames_lost", .number(Double(framesLost))), ("frames_late", .number(Double(framesLate))),
            ("out_of_order", .number(Double(outOfOrder))), ("marks_echoed", .number(Double(marksEchoed))),
            ("rtt_us", Self.summary(rtt)), ("send_lag_us", Self.summary(sendLag)),
            ("load_cpu_percent", .number((loadCpuPercent * 100).rounded() / 100)),
        ])
        if let talk { root["talk"] = talk.json }
        if let observed {
            var bridge = JSONObject([
                ("cpu_percent", .number(round2(observed.end.cpuPercent(since: observed.start)))),
                ("cpu_percent_ns", .number(round2(observed.end.cpuPercentPrecise(since: observed.start)))),
                ("rss_kib", .number(Double(observed.end.rssBytes / 1024))),
                ("fds", .number(Double(observed.end.fds))),
                ("threads", .number(Double(observed.end.threads))),
                // read/write-type system calls per frame sent in the window (epoll_wait not included)
                ("io_syscalls_per_frame", .number(framesSent == 0 ? 0 : round2(Double(observed.end.syscalls - observed.start.syscalls) / Double(framesSent)))),
                ("cpu_us_per_frame", .number(framesSent == 0 ? 0 : round2(Double(observed.end.cpuNs - observed.start.cpuNs) / 1000 / Double(framesSent)))),
            ])
            // The kernel/user split of the same CPU time (tick counters, so split in proportion).
            let ticks = observed.end.cpuTicks - observed.start.cpuTicks
            if framesSent > 0, ticks > 0, let total = bridge["cpu_us_per_frame"]?.doubleValue {
                let systemShare = Double(observed.end.systemTicks - observed.start.systemTicks) / Double(ticks)
                bridge["system_share"] = .number(round2(systemShare))
                bridge["user_us_per_frame"] = .number(round2(total * (1 - systemShare)))
                bridge["system_us_per_frame"] = .number(round2(total * systemShare))
            }
            if framesSent > 0 {
                bridge["sleeps_per_frame"] = .number(round2(Double(observed.end.sleeps - observed.start.sleeps) / Double(framesSent)))
            }
            if let idle = observed.idle {
                bridge["rss_idle_kib"] = .number(Double(idle.rssBytes / 1024))
                bridge["fds_idle"] = .number(Double(idle.fds))
            }
            if let after = observed.after {
                bridge["rss_after_kib"] = .number(Double(after.rssBytes / 1024))
                bridge["fds_after"] = .number(Double(after.fds))
            }
            root["bridge"] = .object(bridge)
        }
        root["errors"] = .array(errors.map { .string($0) })
        return .object(root)
    }

    private static func summary(_ h: LatencyHistogram) -> JSON {
        .object(JSONObject([
            ("count", .number(Double(h.count))), ("p50", .number(Double(h.percentile(0.5)))),
            ("p90", .number(Double(h.percentile(0.9)))), ("p99", .number(Double(h.percentile(0.99)))),
            ("p999", .number(Double(h.percentile(0.999)))), ("max", .number(Double(h.max))),
            ("mean", .number(Double(h.mean))),
        ]))
    }

    private func round2(_ v: Double) -> Double { (v * 100).rounded() / 100 }
}
