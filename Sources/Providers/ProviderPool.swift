import Foundation
import Net
import Realtime

/// The provider endpoints calls go to, in rotation, with what the bridge has learnt about each:
/// every new call starts on the next Azure deployment; one refused as misconfigured
/// (401/403/404/400) is skipped for `cooldownMs` while others are available; when every
/// deployment has failed, the OpenAI fallback takes the call.
///
/// Confined to the serve loop's thread, like the calls that use it.
public final class ProviderPool {
    /// One place a call can go.
    public struct Target {
        /// Where and how to connect.
        public var endpoint: RealtimeEndpoint
        /// Whether it needs a managed-identity token (`Authorization: Bearer`) before connecting.
        public var usesManagedIdentity: Bool
        /// Whether it is the OpenAI fallback, tried only after every primary target.
        public var isFallback: Bool
        /// Until when (monotonic ms) it is skipped after a configuration error.
        var cooldownUntilMs: Int64 = 0

        /// Creates a target.
        public init(endpoint: RealtimeEndpoint, usesManagedIdentity: Bool = false, isFallback: Bool = false) {
            self.endpoint = endpoint
            self.usesManagedIdentity = usesManagedIdentity
            self.isFallback = isFallback
        }
    }

    /// How a failed attempt counts.
    public enum Failure: Equatable {
        /// The provider says the request is wrong (401, 403, 404, 400…): a person must fix the
        /// configuration; the target cools down.
        case configuration(status: Int)
        /// Busy, broken or unreachable for now (429, 5xx, timeout, TLS, DNS, reset): try the next.
        case transient

        /// Classifies why a session could not open (PROTOCOLS.md §3).
        public static func classify(_ reason: RealtimeCloseReason) -> Failure {
            if case .refused(let status, _) = reason, (400..<500).contains(status), status != 408, status != 429 {
                return .configuration(status: status)
            }
            return .transient
        }
    }

    /// Every target: the primaries in rotation order, then the fallback, if any.
    public private(set) var targets: [Target]
    /// How long a misconfigured target is skipped.
    public var cooldownMs: Int64
    /// Managed-identity tokens for targets that need them.
    public var tokens: AzureTokenSource?
    private var nextPrimary = 0
    /// Each event loop has its own pool (its token source runs on it); `/metrics` and `/readyz`
    /// read every loop's, so a lock guards what changes.
    private let lock = NSLock()
    /// Attempts by target label and result (`ok`, `refused_config`, `failed`), calls by path
    /// (`primary`, `failover`, `fallback`, `unavailable`), reconnects by result: for `/metrics`.
    public private(set) var attempts: [String: Int] = [:]
    /// See `attempts`.
    public private(set) var callsByPath: [String: Int] = [:]
    /// See `attempts`.
    public private(set) var reconnects: [String: Int] = [:]

    /// A pool over `primary` endpoints (rotated) and an optional `fallback`.
    /// The clock cool-downs and health run on (the serve loop's; a `ManualClock` in tests).
    public let clock: LoopClock

    public init(primary: [Target], fallback: Target? = nil, cooldownMs: Int64 = 60_000, clock: LoopClock = .monotonic) {
        self.clock = clock
        var all = primary
        if var fallback {
            fallback.isFallback = true
            all.append(fallback)
        }
        targets = all
        self.cooldownMs = cooldownMs
    }

    /// A pool with a single endpoint (the walking skeleton's behaviour).
    public convenience init(single endpoint: RealtimeEndpoint) {
        self.init(primary: [Target(endpoint: endpoint)])
    }

    private var primaryIndices: [Int] { targets.indices.filter { !targets[$0].isFallback } }

    /// The order to try for a new call; advances the rotation so the next call starts one further.
    public func planForNewCall(nowMs: Int64 = MonotonicClock.nowMs()) -> [Int] {
        lock.lock()
        defer { lock.unlock() }
        let primaries = primaryIndices
        guard !primaries.isEmpty else { return targets.indices.map { $0 } }
        let start = nextPrimary % primaries.count
        nextPrimary = (start + 1) % primaries.count
        return plan(rotation: Array(primaries[start...] + primaries[..<start]), nowMs: nowMs)
    }

    /// The order to try after `dropped` lost its session mid-call: the next primary first, the
    /// dropped one last among the primaries (a session that reached its maximum length is fine
    /// to reopen on the same deployment), then the fallback.
    public func planAfterDrop(of dropped: Int, nowMs: Int64 = MonotonicClock.nowMs()) -> [Int] {
        lock.lock()
        defer { lock.unlock() }
        let primaries = primaryIndices
        guard let position = primaries.firstIndex(of: dropped) else {
            // The fallback dropped: start over at the primaries, fallback last.
            return plan(rotation: primaries, nowMs: nowMs)
        }
        let after = Array(primaries[(position + 1)...] + primaries[..<position]) + [dropped]
        return plan(rotation: after, nowMs: nowMs)
    }

    /// Primaries not cooling down, in `rotation` order, then the fallback. When nothing else is
    /// left, the cooling ones are tried anyway (oldest failure first): a call is never refused
    /// without an attempt.
    private func plan(rotation: [Int], nowMs: Int64) -> [Int] {
        let available = rotation.filter { targets[$0].cooldownUntilMs <= nowMs }
        let fallback = targets.indices.filter { targets[$0].isFallback }
        if available.isEmpty && fallback.isEmpty {
            return rotation.sorted { targets[$0].cooldownUntilMs < targets[$1].cooldownUntilMs }
        }
        return available + fallback
    }

    /// Whether `index` is cooling down now.
    public func isCoolingDown(_ index: Int, nowMs: Int64? = nil) -> Bool {
        let nowMs = nowMs ?? clock.nowMs()
        return lock.withLock { targets[index].cooldownUntilMs > nowMs }
    }

    /// The counters as (target, outcome) pairs, for `/metrics`.
    public var attemptsByTarget: [(target: String, outcome: String, count: Int)] {
        let attempts = lock.withLock { self.attempts }
        return attempts.keys.sorted().map { key in
            let split = key.lastIndex(of: " ").map { (String(key[..<$0]), String(key[key.index(after: $0)...])) } ?? (key, "")
            return (split.0, split.1, attempts[key]!)
        }
    }

    /// Whether the provider is known to be down: the last plans all failed (see
    /// `ProviderHealth`); `/readyz` and `voice_bridge_provider_up` say so.
    public var health: ProviderHealth { healthCell.withLock { $0 } }
    /// The health this pool records into: its own, or the one every loop's pool shares
    /// (`shareHealth(with:)`), so that three calls in a row that found no target make the
    /// process not ready whichever loops they ran on.
    private var healthCell = SharedProviderHealth()

    /// Records into, and reads, `other`'s health from now on (call before any call uses either).
    public func shareHealth(with other: ProviderPool) {
        healthCell = other.healthCell
    }

    /// Whether new calls would most likely fail at the provider now.
    public func isKnownDown(nowMs: Int64? = nil) -> Bool {
        let nowMs = nowMs ?? clock.nowMs()
        return healthCell.withLock { $0.isKnownDown(nowMs: nowMs) }
    }

    /// The `/metrics` counters, read together.
    public var counters: (callsByPath: [String: Int], reconnects: [String: Int], attemptsByTarget: [(target: String, outcome: String, count: Int)]) {
        let (byPath, reconnects) = lock.withLock { (callsByPath, self.reconnects) }
        return (byPath, reconnects, attemptsByTarget)
    }

    /// `index` opened a session; `position` is where it stood in a new call's plan (0 = first
    /// choice), nil for a mid-call reconnect.
    func recordSuccess(_ index: Int, position: Int?) {
        lock.lock()
        defer { lock.unlock() }
        healthCell.withLock { $0.recordSuccess() }
        attempts[targets[index].endpoint.label + " ok", default: 0] += 1
        targets[index].cooldownUntilMs = 0
        guard let position else {
            reconnects["ok", default: 0] += 1
            return
        }
        let path = targets[index].isFallback ? "fallback" : (position == 0 ? "primary" : "failover")
        callsByPath[path, default: 0] += 1
    }

    /// `index` failed to open; a configuration failure starts its cool-down.
    func recordFailure(_ index: Int, _ failure: Failure, nowMs: Int64? = nil) {
        let nowMs = nowMs ?? clock.nowMs()
        lock.lock()
        defer { lock.unlock() }
        switch failure {
        case .configuration:
            attempts[targets[index].endpoint.label + " refused_config", default: 0] += 1
            targets[index].cooldownUntilMs = nowMs + cooldownMs
        case .transient:
            attempts[targets[index].endpoint.label + " failed", default: 0] += 1
        }
    }

    /// Every target of a call's plan failed.
    func recordUnavailable(nowMs: Int64? = nil) {
        let nowMs = nowMs ?? clock.nowMs()
        lock.lock()
        defer { lock.unlock() }
        callsByPath["unavailable", default: 0] += 1
        healthCell.withLock { $0.recordFailure(nowMs: nowMs) }
    }

    /// A mid-call reconnect ended with `ok` true (session restored) or false (call ended).
    func recordReconnect(ok: Bool) { lock.withLock { reconnects[ok ? "ok" : "failed", default: 0] += 1 } }
}

// Each event loop uses its own pool; other loops only read its counters and health (`/metrics`,
// `/readyz`), which the lock guards.
extension ProviderPool: @unchecked Sendable {}

/// A `ProviderHealth` behind a lock, shared by the pools of the event loops.
final class SharedProviderHealth: @unchecked Sendable {
    private let lock = NSLock()
    private var health = ProviderHealth()

    func withLock<T>(_ body: (inout ProviderHealth) -> T) -> T {
        lock.withLock { body(&health) }
    }
}
