import Calls
import Logging
import Net

/// Graceful shutdown for rolling deploys: on the first SIGTERM/SIGINT the gate stops admitting
/// new calls (`/readyz` 503, busy TwiML, new streams 503), active calls go on until they end or
/// `timeoutMs` passes, then the rest are ended cleanly (close 1001) and `onFinished` runs.
///
/// Confined to the serve loop's thread.
public final class DrainController {
    /// How often the controller looks at the number of calls, in milliseconds.
    public var pollMs: Int64 = 200
    /// How often a draining bridge says how many calls it still waits for, in milliseconds.
    public var progressLogMs: Int64 = 30_000
    /// Time given to close frames after the last calls were ended, in milliseconds.
    public var lingerMs: Int64 = 500
    /// Runs once the calls are gone and before `onFinished`, which it must call when done (the
    /// executable lets call events in flight finish here, for a bounded time).
    public var beforeFinishing: ((_ done: @escaping () -> Void) -> Void)?
    /// The event loops whose calls the drain waits for (`EVENT_LOOPS`); nil: `manager`'s only.
    public var loops: CallLoops?

    private let loop: EventLoop
    private let gate: CallGate
    private let manager: CallManager
    private let timeoutMs: Int64
    private let log: Logger
    private let onFinished: () -> Void
    private var startedAtMs: Int64?
    private var lastProgressAtMs: Int64 = 0
    private var finished = false

    /// A controller that waits up to `timeoutMs` for `manager`'s calls.
    public init(loop: EventLoop, gate: CallGate, manager: CallManager, timeoutMs: Int64, logger: Logger,
                onFinished: @escaping () -> Void) {
        self.loop = loop
        self.gate = gate
        self.manager = manager
        self.timeoutMs = timeoutMs
        self.log = logger
        self.onFinished = onFinished
    }

    /// Whether `begin` was called.
    public var isDraining: Bool { startedAtMs != nil }

    /// Starts draining (once; later calls do nothing).
    public func begin(signal: String) {
        guard startedAtMs == nil else { return }
        let now = loop.currentTimeMs()
        startedAtMs = now
        lastProgressAtMs = now
        gate.beginDraining()
        log.info("draining: no new calls; waiting for active calls to end", [
            ("signal", signal), ("active_calls", String(loops?.activeCalls ?? manager.activeCalls)),
            ("pending_calls", String(gate.pendingCalls)), ("drain_timeout_s", String(timeoutMs / 1000)),
            ("hint", "send the signal again to exit at once"),
        ])
        check()
    }

    private func check() {
        guard let startedAtMs, !finished else { return }
        let now = loop.currentTimeMs()
        let active = loops?.startedCalls ?? manager.startedCalls, pending = gate.pendingCalls
        if active == 0 && pending == 0 {
            log.info("drained: no calls left", [("waited_ms", String(now - startedAtMs))])
            finish(afterMs: 0)
            return
        }
        if now - startedAtMs >= timeoutMs {
            log.warning("drain timeout: ending the remaining calls", [("active_calls", String(active)),
                                                                    ("drain_timeout_s", String(timeoutMs / 1000))])
            if let loops { loops.forEachManager { $0.endAll(.drainTimeout) } } else { manager.endAll(.drainTimeout) }
            finish(afterMs: lingerMs)
            return
        }
        if now - lastProgressAtMs >= progressLogMs {
            lastProgressAtMs = now
            log.info("still draining", [("active_calls", String(active)), ("pending_calls", String(pending)),
                                        ("seconds_left", String((timeoutMs - (now - startedAtMs)) / 1000))])
        }
        loop.schedule(afterMs: pollMs) { [weak self] in self?.check() }
    }

    private func finish(afterMs ms: Int64) {
        finished = true
        let stop = { [beforeFinishing, onFinished] in
            if let beforeFinishing { beforeFinishing(onFinished) } else { onFinished() }
        }
        if ms == 0 {
            stop()
        } else {
            loop.schedule(afterMs: ms) { stop() }
        }
    }
}

@available(*, unavailable)
extension DrainController: Sendable {}
