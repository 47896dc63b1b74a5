import Logging
import Net

/// Failed console logins: counted per address, so a peer guessing `CONSOLE_PASSWORD` is slowed to
/// `maxFailures` guesses a `windowMs` (then 429 until its window passes, right password or not),
/// and logged at most one line a second with counts, so a flood of guesses cannot fill the log.
/// Confined to the serve loop's thread.
final class ConsoleLogins {
    static let maxFailures = 20
    static let windowMs: Int64 = 60_000
    /// Addresses remembered at most (the oldest window is forgotten first).
    static let maxPeers = 1_024

    private let clock: LoopClock
    private var failures: [String: (count: Int, since: Int64)] = [:]
    private var sinceLastLine = 0
    private var total = 0
    private var lastLineMs: Int64?

    init(clock: LoopClock) { self.clock = clock }

    /// Whether `peer` (`address:port`) is locked out now.
    func isLockedOut(_ peer: String) -> Bool {
        guard let entry = failures[Self.address(peer)] else { return false }
        if clock.nowMs() - entry.since >= Self.windowMs {
            failures[Self.address(peer)] = nil
            return false
        }
        return entry.count >= Self.maxFailures
    }

    /// A wrong or missing password from `peer`; logs at most one line a second.
    func failed(_ peer: String, log: Logger) {
        let now = clock.nowMs()
        let address = Self.address(peer)
        if var entry = failures[address], now - entry.since < Self.windowMs {
            entry.count += 1
            failures[address] = entry
        } else {
            if failures.count >= Self.maxPeers, let oldest = failures.min(by: { $0.value.since < $1.value.since })?.key {
                failures[oldest] = nil
            }
            failures[address] = (1, now)
        }
        sinceLastLine += 1
        total += 1
        guard lastLineMs.map({ now - $0 >= 1_000 }) ?? true else { return }
        log.info("console refused: no valid password", [("peer", peer), ("refused_since_last_line", String(sinceLastLine)),
                                                        ("refused_total", String(total))])
        lastLineMs = now
        sinceLastLine = 0
    }

    /// The address part of `address:port` (`[v6]:port` too).
    static func address(_ peer: String) -> String {
        guard let colon = peer.lastIndex(of: ":") else { return peer }
        return String(peer[..<colon])
    }
}

@available(*, unavailable)
extension ConsoleLogins: Sendable {}
