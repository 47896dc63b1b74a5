import Foundation
import Net

/// What of an outbound call cannot travel in its TwiML — instructions too long for Twilio's
/// 4000-character `Twiml`, and any `metadata` (never sent to Twilio) — kept on the replica that
/// placed the call, keyed by a random token that the TwiML carries as the `outbound` parameter,
/// until its stream claims it or `lifetimeMs` passes.
///
/// A stream that lands on another replica does not find it: the call then goes on without its
/// metadata, and with the default instructions unless they travelled inline. Shared by the
/// event loops (`EVENT_LOOPS`): stored on the one that serves `POST /calls`, claimed on the one
/// that carries the call; a lock guards the records.
public final class OutboundCallRecords: @unchecked Sendable {
    /// How long a record waits for its stream: ringing (up to 60 s) plus queueing, with margin.
    public var lifetimeMs: Int64 = 10 * 60_000
    private var records: [String: (override: CallOverride, expiresAtMs: Int64)] = [:]
    private let lock = NSLock()
    /// The serve loop's clock (records expire by it).
    private let clock: LoopClock

    /// Creates an empty store.
    public init(clock: LoopClock = .monotonic) { self.clock = clock }

    /// Records waiting for their stream (expired ones forgotten).
    public var count: Int {
        lock.withLock {
            forgetExpired()
            return records.count
        }
    }

    /// Keeps `override` and returns the token that finds it.
    public func store(_ override: CallOverride) -> String {
        var generator = SystemRandomNumberGenerator()
        let token = "ob_" + (0..<4).map { _ in
            let word = generator.next() as UInt32
            let hex = String(word, radix: 16)
            return String(repeating: "0", count: 8 - hex.count) + hex
        }.joined()
        lock.withLock {
            forgetExpired()
            records[token] = (override, clock.nowMs() + lifetimeMs)
        }
        return token
    }

    /// The override stored under `token`, once; nil when unknown or expired.
    public func claim(_ token: String) -> CallOverride? {
        lock.withLock {
            forgetExpired()
            return records.removeValue(forKey: token)?.override
        }
    }

    private func forgetExpired() {
        let now = clock.nowMs()
        records = records.filter { $0.value.expiresAtMs > now }
    }
}
