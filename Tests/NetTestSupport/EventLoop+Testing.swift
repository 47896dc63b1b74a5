import Net

extension EventLoop {
    /// Runs the loop until `condition` holds (checked every few milliseconds) or `timeoutMs`
    /// passes; returns whether the condition held. For tests: the loop thread is the caller's.
    @discardableResult
    public func run(until condition: @escaping () -> Bool, timeoutMs: Int64) -> Bool {
        var met = condition()
        guard !met else { return true }
        var poll: (() -> Void)!
        var check: LoopTimer?
        poll = { [unowned self] in
            if condition() {
                met = true
                self.stop()
            } else {
                check = self.schedule(afterMs: 2, poll)
            }
        }
        check = schedule(afterMs: 2, poll)
        let deadline = schedule(afterMs: timeoutMs) { [unowned self] in self.stop() }
        run()
        check?.cancel()
        deadline.cancel()
        poll = nil
        return met
    }

    /// Runs the loop for `ms` milliseconds.
    public func run(forMs ms: Int64) {
        let timer = schedule(afterMs: ms) { [unowned self] in self.stop() }
        run()
        timer.cancel()
    }

    /// Runs iterations until `condition` holds or `wallMs` of real time pass; returns whether it
    /// held. Unlike `run(until:timeoutMs:)` it needs no timer, so it works on a `ManualClock`.
    @discardableResult
    public func spin(until condition: () -> Bool, wallMs: Int64) -> Bool {
        let deadline = MonotonicClock.nowMs() + wallMs
        while !condition() {
            guard MonotonicClock.nowMs() < deadline else { return false }
            runOnce(maxWaitMs: 5)
        }
        return true
    }
}
