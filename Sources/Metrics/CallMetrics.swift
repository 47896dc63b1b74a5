import Foundation
import Providers
import Glibc
import Net

/// The numbers `/metrics` exposes: calls by outcome, provider handshake and first-audio latency,
/// media frames and audio bytes each way, tool calls, and the process's own figures.
///
/// One instance for the process, fed by every event loop (`EVENT_LOOPS`): a lock guards the
/// numbers (uncontended, it costs tens of nanoseconds per media message).
public final class CallMetrics: @unchecked Sendable {
    private let lock = NSLock()
    /// Outcomes that exist from the start, at 0, so rates work before the first of each.
    static let knownOutcomes = [
        "completed", "caller_hung_up", "provider_refused", "provider_dropped", "protocol_error",
        "buffer_overflow", "drain_timeout", "rejected_signature", "rejected_busy", "rejected_draining",
        "rejected_token", "no_start", "twilio_silent", "max_duration", "transferred",
    ]

    /// The gauges that belong to other owners (the gate, the manager), read at scrape time.
    public struct Gauges {
        /// Calls in progress.
        public var activeCalls: Int
        /// `MAX_CALLS` in force.
        public var maxCalls: Int
        /// Webhooks answered whose Media Stream has not arrived yet.
        public var pendingCalls: Int
        /// Whether the bridge is draining.
        public var draining: Bool
        /// Whether `/readyz` answers 200.
        public var ready: Bool

        /// Creates a snapshot.
        public init(activeCalls: Int, maxCalls: Int, pendingCalls: Int, draining: Bool, ready: Bool) {
            self.activeCalls = activeCalls
            self.maxCalls = maxCalls
            self.pendingCalls = pendingCalls
            self.draining = draining
            self.ready = ready
        }
    }

    private var calls: [String: Int] = [:]
    private var handshake = MetricHistogram(bounds: [0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2.5, 5, 10])
    private var firstAudio = MetricHistogram(bounds: [0.1, 0.2, 0.3, 0.4, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10])
    private var loopBusy = MetricHistogram(bounds: loopBusyBounds)
    static let loopBusyBounds = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5]
    private var frames = (fromCaller: 0, toCaller: 0)
    private var audioBytes = (fromCaller: 0, toCaller: 0)
    private var toolCalls: [ToolKey: Int] = [:]
    private var outboundPlaced: [String: Int] = ["ok": 0, "refused": 0]
    private var outboundStatuses: [String: Int] = [:]
    private var configReloads = ["ok": 0, "failed": 0]
    private var sessionUpdateRetries: [String: Int] = ["field_dropped": 0, "minimal": 0, "failed_over": 0]
    private var events: [EventKey: Int] = [:]
    /// Call events spooled and not yet delivered; nil while events are off (`EVENTS_URL` unset),
    /// and then neither events family is rendered.
    public var eventsSpooled: (() -> Int)?
    private let startTimeSeconds: Double
    /// What the calls tell about the provider's availability.

    private struct EventKey: Hashable {
        var type: String
        var result: String
    }

    private struct ToolKey: Hashable {
        var tool: String
        var outcome: String
    }

    /// Creates empty metrics; the process start time is taken now.
    public init() {
        for outcome in Self.knownOutcomes { calls[outcome] = 0 }
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        startTimeSeconds = Double(now.tv_sec) + Double(now.tv_nsec / 1_000_000) / 1000
    }

    // MARK: Recording

    /// A call ended, or an attempt was refused, with `outcome` (`completed`, `rejected_busy`, …).
    public func recordCall(outcome: String) {
        lock.lock()
        defer { lock.unlock() }
        calls[outcome, default: 0] += 1
    }

    /// One tool call finished: `tool` is its name (`web_search`), `outcome` a short word
    /// (`ok`, `error`, `timeout`). Call on the loop thread.
    public func recordToolCall(tool: String, outcome: String) {
        lock.lock()
        defer { lock.unlock() }
        toolCalls[ToolKey(tool: tool, outcome: outcome), default: 0] += 1
    }

    /// A `session.update` was refused and sent again: without a field (`field_dropped`), as the
    /// minimal update (`minimal`), or the target could not be configured (`failed_over`).
    public func recordSessionUpdateRetry(_ kind: String) {
        lock.lock()
        defer { lock.unlock() }
        sessionUpdateRetries[kind, default: 0] += 1
    }

    /// An outbound call was placed (`ok`) or Twilio refused it (`refused`).
    public func recordOutboundPlaced(ok: Bool) {
        lock.lock()
        defer { lock.unlock() }
        outboundPlaced[ok ? "ok" : "refused", default: 0] += 1
    }

    /// A `SIGHUP` reload of the agent files succeeded or kept the old configuration.
    public func recordConfigReload(ok: Bool) {
        lock.lock()
        defer { lock.unlock() }
        configReloads[ok ? "ok" : "failed", default: 0] += 1
    }

    /// Twilio reported an outbound call's status (`initiated`, `ringing`, `busy`, …).
    public func recordOutboundStatus(_ status: String) {
        lock.lock()
        defer { lock.unlock() }
        outboundStatuses[status, default: 0] += 1
    }

    /// One delivery attempt of a call event of `type` (`call.ended`) ended with `result`
    /// (`delivered`, `retried`, `dropped`).
    public func recordEvent(type: String, result: String) {
        lock.lock()
        defer { lock.unlock() }
        events[EventKey(type: type, result: result), default: 0] += 1
    }

    /// The provider's WebSocket opened `ms` after the call asked for it.
    public func recordProviderHandshake(ms: Int64) {
        lock.lock()
        defer { lock.unlock() }
        handshake.observe(Double(ms) / 1000)
    }

    /// One event-loop iteration kept the thread busy for `us` microseconds.
    public func recordLoopBusy(us: Int64) {
        lock.lock()
        defer { lock.unlock() }
        loopBusy.observe(Double(us) / 1_000_000)
    }

    /// The first assistant audio came `ms` after the caller stopped speaking.
    public func recordFirstAudio(ms: Int64) {
        lock.lock()
        defer { lock.unlock() }
        firstAudio.observe(Double(ms) / 1000)
    }

    /// Media messages and their audio bytes, each way, counted by a call since it last told.
    public func countMedia(fromCaller: (frames: Int, bytes: Int), toCaller: (frames: Int, bytes: Int)) {
        lock.lock()
        defer { lock.unlock() }
        frames.fromCaller += fromCaller.frames
        audioBytes.fromCaller += fromCaller.bytes
        frames.toCaller += toCaller.frames
        audioBytes.toCaller += toCaller.bytes
    }

    /// Loop iterations' busy times gathered by one loop since it last told (`LoopBusyBatch`).
    public func recordLoopBusy(_ batch: LoopBusyBatch) {
        lock.lock()
        defer { lock.unlock() }
        loopBusy.absorb(batch.histogram)
    }

    /// One media message from the caller with `bytes` of audio.
    public func countFromCaller(bytes: Int) {
        lock.lock()
        defer { lock.unlock() }
        frames.fromCaller += 1
        audioBytes.fromCaller += bytes
    }

    /// One media message to the caller with `bytes` of audio.
    public func countToCaller(bytes: Int) {
        lock.lock()
        defer { lock.unlock() }
        frames.toCaller += 1
        audioBytes.toCaller += bytes
    }

    // MARK: Exposition

    /// The whole `/metrics` document.
    public func render(_ gauges: Gauges, providers: ProviderPool? = nil) -> String {
        render(gauges, pools: providers.map { [$0] } ?? [])
    }

    /// The whole `/metrics` document, the provider counters summed over `pools` (one per event
    /// loop) and the provider down only when every loop finds it down.
    public func render(_ gauges: Gauges, pools: [ProviderPool]) -> String {
        lock.lock()
        defer { lock.unlock() }
        var text = PrometheusText()
        text.single("voice_bridge_active_calls", .gauge, help: "Calls in progress.", Double(gauges.activeCalls))
        text.single("voice_bridge_pending_calls", .gauge,
                    help: "Webhooks answered whose Media Stream has not connected yet.", Double(gauges.pendingCalls))
        text.single("voice_bridge_max_calls", .gauge, help: "Calls allowed at once (MAX_CALLS).", Double(gauges.maxCalls))
        text.single("voice_bridge_draining", .gauge, help: "1 while draining after SIGTERM/SIGINT.", gauges.draining ? 1 : 0)
        text.single("voice_bridge_ready", .gauge, help: "1 when /readyz answers 200.", gauges.ready ? 1 : 0)
        text.single("voice_bridge_provider_up", .gauge,
                    help: "0 when recent provider handshakes all failed, else 1.",
                    !pools.isEmpty && pools.allSatisfy { $0.isKnownDown() } ? 0 : 1)

        text.family("voice_bridge_calls_total", .counter,
                    help: "Calls ended, and call attempts refused, by outcome.")
        for outcome in calls.keys.sorted() { text.sample("voice_bridge_calls_total", [("outcome", outcome)], calls[outcome]!) }

        handshake.write(into: &text, name: "voice_bridge_provider_handshake_seconds",
                        help: "Time from asking for a provider session to its WebSocket being open (DNS, TCP, TLS, upgrade).")
        firstAudio.write(into: &text, name: "voice_bridge_first_audio_seconds",
                         help: "Time from the caller's end of speech (provider VAD) to the first assistant audio.")
        loopBusy.write(into: &text, name: "voice_bridge_loop_busy_seconds",
                       help: "Time each event-loop iteration kept the thread busy; every call on the loop waits that long for its audio.")

        text.family("voice_bridge_media_frames_total", .counter, help: "Media messages carrying audio, by direction.")
        text.sample("voice_bridge_media_frames_total", [("direction", "from_caller")], frames.fromCaller)
        text.sample("voice_bridge_media_frames_total", [("direction", "to_caller")], frames.toCaller)
        text.family("voice_bridge_audio_bytes_total", .counter, help: "G.711 u-law audio bytes (8000 a second), by direction.")
        text.sample("voice_bridge_audio_bytes_total", [("direction", "from_caller")], audioBytes.fromCaller)
        text.sample("voice_bridge_audio_bytes_total", [("direction", "to_caller")], audioBytes.toCaller)

        text.family("voice_bridge_tool_calls_total", .counter, help: "Tool calls made for the model, by tool and outcome.")
        for key in toolCalls.keys.sorted(by: { ($0.tool, $0.outcome) < ($1.tool, $1.outcome) }) {
            text.sample("voice_bridge_tool_calls_total", [("tool", key.tool), ("outcome", key.outcome)], toolCalls[key]!)
        }

        text.family("voice_bridge_session_update_retries_total", .counter,
                    help: "session.update refusals handled: sent again without the refused field (field_dropped), as the minimal update (minimal), or the target failed over (failed_over).")
        for kind in sessionUpdateRetries.keys.sorted() {
            text.sample("voice_bridge_session_update_retries_total", [("kind", kind)], sessionUpdateRetries[kind]!)
        }

        text.family("voice_bridge_outbound_calls_total", .counter,
                    help: "Outbound calls asked of Twilio's REST API, by result: ok (Twilio queued it), refused.")
        for result in outboundPlaced.keys.sorted() {
            text.sample("voice_bridge_outbound_calls_total", [("result", result)], outboundPlaced[result]!)
        }
        text.family("voice_bridge_outbound_call_status_total", .counter,
                    help: "Status callbacks from Twilio for outbound calls, by CallStatus (initiated, ringing, in-progress, completed, busy, no-answer, failed, canceled).")
        for status in outboundStatuses.keys.sorted() {
            text.sample("voice_bridge_outbound_call_status_total", [("status", status)], outboundStatuses[status]!)
        }

        text.family("voice_bridge_config_reloads_total", .counter,
                    help: "SIGHUP reloads of the agent files, by result: ok, or failed (the previous configuration stays).")
        for result in configReloads.keys.sorted() {
            text.sample("voice_bridge_config_reloads_total", [("result", result)], configReloads[result]!)
        }

        if !pools.isEmpty { writeProviderCounters(pools, into: &text) }
        if let eventsSpooled { writeEventCounters(spooled: eventsSpooled(), into: &text) }

        ProcessStats.current().write(into: &text, startTimeSeconds: startTimeSeconds)
        return text.output
    }
}

extension CallMetrics {
    /// Failover and fallback: which path new calls took, handshakes per target, mid-call reconnects.
    public func writeProviderCounters(_ pools: [ProviderPool], into text: inout PrometheusText) {
        var byPath: [String: Int] = [:], reconnects: [String: Int] = [:]
        var attempts: [(target: String, outcome: String, count: Int)] = []
        for pool in pools {
            let counters = pool.counters
            byPath.merge(counters.callsByPath, uniquingKeysWith: +)
            reconnects.merge(counters.reconnects, uniquingKeysWith: +)
            for row in counters.attemptsByTarget {
                if let at = attempts.firstIndex(where: { $0.target == row.target && $0.outcome == row.outcome }) {
                    attempts[at].count += row.count
                } else {
                    attempts.append(row)
                }
            }
        }
        text.family("voice_bridge_provider_calls_total", .counter,
                    help: "New calls by the provider path they took: primary, failover, fallback, unavailable.")
        for path in byPath.keys.sorted() {
            text.sample("voice_bridge_provider_calls_total", [("path", path)], byPath[path]!)
        }
        text.family("voice_bridge_provider_attempts_total", .counter,
                    help: "Provider session attempts by target and result: ok, failed (moved on), refused_config (cool-down).")
        for row in attempts {
            text.sample("voice_bridge_provider_attempts_total", [("target", row.target), ("result", row.outcome)], row.count)
        }
        text.family("voice_bridge_provider_reconnects_total", .counter,
                    help: "Mid-call reconnects after the provider dropped the session, by result.")
        for result in reconnects.keys.sorted() {
            text.sample("voice_bridge_provider_reconnects_total", [("result", result)], reconnects[result]!)
        }
    }
}

extension CallMetrics {
    /// Call events (`EVENTS_URL`): attempts by type and result, and what waits in the spool.
    func writeEventCounters(spooled: Int, into text: inout PrometheusText) {
        text.family("voice_bridge_events_total", .counter,
                    help: "Call event delivery attempts by type and result: delivered (2xx), retried (will be sent again), dropped (too old to retry).")
        var keys = Set(events.keys)
        for type in ["call.started", "call.ended"] {
            for result in ["delivered", "retried", "dropped"] { keys.insert(EventKey(type: type, result: result)) }
        }
        for key in keys.sorted(by: { ($0.type, $0.result) < ($1.type, $1.result) }) {
            text.sample("voice_bridge_events_total", [("type", key.type), ("result", key.result)], events[key] ?? 0)
        }
        text.single("voice_bridge_events_spooled", .gauge,
                    help: "Call events on disk waiting for delivery (EVENTS_SPOOL_DIR).", Double(spooled))
    }
}


