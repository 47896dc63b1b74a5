import Foundation
import Net
import Providers
import Twilio
import WebSocket

/// The event loops that carry calls (`EVENT_LOOPS`), each with its `CallManager`, and what they
/// share: how many calls each carries (for placing the next stream, for `MAX_CALLS`, for a
/// drain), and on which loop each pre-warmed provider session waits.
///
/// The listener's loop (loop 0) serves HTTP; each Media Stream is placed at its upgrade (loop 0
/// first, each loop filled to `fillBeforeSpreading` streams, then the loop with the fewest) and
/// lives there for its whole life — unless its `start` names a
/// call whose provider session was pre-warmed on another loop: the stream then follows it there,
/// before anything of the call has begun. With one loop nothing moves.
///
/// Shared by the loops' threads: the counts and the directory are guarded by a lock; a manager
/// is touched only on its own loop's thread.
public final class CallLoops: @unchecked Sendable {
    private let lock = NSLock()
    private var handles: [LoopHandle] = []
    /// Each touched only on its own loop (see `manager(on:)`).
    private var managers: [HandedOver<CallManager>] = []
    private var started: [Int] = []
    private var awaiting: [Int] = []
    private var prewarmed: [String: (loop: Int, expiresAtMs: Int64)] = [:]
    private var providerPools: [ProviderPool] = []
    private let clock: LoopClock

    /// A group of loops; each joins with `join(_:on:)`, loop 0 (the listener's) first.
    public init(clock: LoopClock = .monotonic) {
        self.clock = clock
    }

    /// A group whose loop 0 is `manager`'s (the listener's); the others join later. Call on
    /// `loop`'s thread.
    public convenience init(first manager: CallManager, loop: EventLoop) {
        self.init(clock: loop.clock)
        join(manager, on: loop)
    }

    /// Adds `manager`, which carries the calls of `loop`; call on `loop`'s thread. Returns the
    /// loop's index.
    @discardableResult
    public func join(_ manager: CallManager, on loop: EventLoop) -> Int {
        let index = lock.withLock {
            handles.append(loop.handle)
            managers.append(HandedOver(manager))
            providerPools.append(manager.context.providers)
            started.append(0)
            awaiting.append(0)
            return handles.count - 1
        }
        manager.loops = self
        manager.loopIndex = index
        return index
    }

    /// Each loop's provider rotation (its counters and health are read across loops).
    public var pools: [ProviderPool] { lock.withLock { providerPools } }

    /// How many loops carry calls.
    public var count: Int { lock.withLock { handles.count } }

    /// The handle of loop `index`.
    public func handle(_ index: Int) -> LoopHandle { lock.withLock { handles[index] } }

    /// The manager of `loop`, when it belongs to the group; call on `loop`'s thread only.
    public func manager(on loop: EventLoop) -> CallManager? {
        lock.withLock { handles.firstIndex(where: { $0.runs(loop) }).map { managers[$0].value } }
    }

    /// Calls whose `start` was admitted, on all loops.
    public var startedCalls: Int { lock.withLock { started.reduce(0, +) } }
    /// Streams placed that have not sent an admitted `start`, on all loops.
    public var awaitingStart: Int { lock.withLock { awaiting.reduce(0, +) } }
    /// Streams open, started or not, on all loops.
    public var activeCalls: Int { lock.withLock { started.reduce(0, +) + awaiting.reduce(0, +) } }
    /// Started calls per loop, for logs and tests.
    public var startedPerLoop: [Int] { lock.withLock { started } }

    // MARK: Placing streams

    /// Streams a loop takes before the next loop is used: below this, one loop's messages come
    /// too seldom for it to coalesce its wake-ups (`LOOP_TICK_US`), and two half-busy loops
    /// cost more CPU per call than one (measured: 0.45% against 0.28% per call at 50 calls).
    public var fillBeforeSpreading = 48

    /// The loop a new stream goes to: the first loop with fewer than `fillBeforeSpreading`
    /// streams, else the one with the fewest (the lowest index on a tie). The stream counts as
    /// awaiting its `start` there from now on.
    public func placeStream() -> Int {
        lock.withLock {
            let best = leastBusyLoop()
            awaiting[best] += 1
            return best
        }
    }

    /// See `placeStream`; call with the lock held.
    private func leastBusyLoop() -> Int {
        if let first = started.indices.first(where: { started[$0] + awaiting[$0] < fillBeforeSpreading }) { return first }
        var best = 0
        for index in started.indices where started[index] + awaiting[index] < started[best] + awaiting[best] {
            best = index
        }
        return best
    }

    /// A stream placed on `index` will not arrive (it closed before its move).
    public func placedStreamClosed(on index: Int) {
        lock.withLock { awaiting[index] -= 1 }
    }

    /// A stream counted on `from` is on `to` instead.
    public func streamMoved(from: Int, to: Int) {
        guard from != to else { return }
        lock.withLock {
            awaiting[from] -= 1
            awaiting[to] += 1
        }
    }

    /// Admits a `start` on loop `index` when `check`, given the calls started on all loops, says
    /// nil (the gate's verdict); the stream then counts as started. Atomic: two loops admitting
    /// at once cannot overshoot the limit `check` applies.
    public func admit(on index: Int, _ check: (_ startedCalls: Int) -> StartRefusal?) -> StartRefusal? {
        lock.withLock {
            let refusal = check(started.reduce(0, +))
            if refusal == nil {
                awaiting[index] -= 1
                started[index] += 1
            }
            return refusal
        }
    }

    /// A stream of loop `index` ended; `wasStarted` says whether its `start` had been admitted.
    func streamEnded(on index: Int, wasStarted: Bool) {
        lock.withLock {
            if wasStarted { started[index] -= 1 } else { awaiting[index] -= 1 }
        }
    }

    // MARK: Pre-warming

    /// Opens the provider session for `callSid` on the loop a stream would be placed on now (see
    /// `CallManager.prewarm`), and remembers which, for the stream that claims it. Call on loop 0.
    public func prewarm(callSid: String, agent: String?, from manager: CallManager) {
        guard manager.prewarms else { return }
        let target: Int = lock.withLock {
            guard handles.count > 1 else { return 0 }
            let now = clock.nowMs()
            if prewarmed.values.contains(where: { $0.expiresAtMs <= now }) { prewarmed = prewarmed.filter { $0.value.expiresAtMs > now } }
            if let known = prewarmed[callSid] { return known.loop }  // a replayed webhook: the same session
            let best = leastBusyLoop()  // where its stream will most likely be placed too
            prewarmed[callSid] = (best, now + manager.prewarmClaimTimeoutMs)
            return best
        }
        guard target != manager.loopIndex else {
            manager.prewarm(callSid: callSid, agent: agent)
            return
        }
        handle(target).execute { [self] (loop: EventLoop) in
            self.manager(on: loop)?.prewarm(callSid: callSid, agent: agent)
        }
    }

    /// Where `callSid`'s pre-warmed session waits, once (the stream that asks claims it).
    func takePrewarmedLoop(callSid: String) -> Int? {
        lock.withLock { prewarmed.removeValue(forKey: callSid)?.loop }
    }

    // MARK: Every loop

    /// Runs `body` with each loop's manager, on that loop's thread (loop 0's included).
    public func forEachManager(_ body: @escaping @Sendable (CallManager) -> Void) {
        for handle in lock.withLock({ handles }) {
            handle.execute { [self] (loop: EventLoop) in
                if let manager = manager(on: loop) { body(manager) }
            }
        }
    }
}
