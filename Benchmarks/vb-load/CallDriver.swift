import Glibc
import Net
import WebSocket

/// Runs N simulated calls against one Media Stream URL on the load tool's loop and measures them.
///
/// Pacing: calls are spread over 20 one-millisecond slots (call i in slot i mod 20) and one timer
/// ticks every millisecond on an absolute grid, so each call sends a frame every 20 ms with no
/// drift, and the sends of N calls are spread evenly instead of bursting together. How late each
/// send leaves compared with its slot (`sendLag`) shows when the load side itself falls behind.
///
/// Phases: ramp (calls open, `rampMs` apart in total), warm-up (`warmupMs` after the last call
/// opened), the measured window (`windowMs`), a drain (`drainMs`, load unchanged, so frames sent at
/// the end of the window can come back), hang-up, and a settle time before the last sample.
final class CallDriver {
    struct Phases {
        var rampMs: Int64 = 1_000
        var warmupMs: Int64 = 2_000
        var windowMs: Int64 = 10_000
        var drainMs: Int64 = 1_000
        /// The bridge returns freed heap pages 2 s after its last call ended; the "after" sample
        /// is taken past that.
        var settleMs: Int64 = 4_000
    }

    let loop: EventLoop
    let calls: Int
    let url: WSURL
    let headers: [(String, String)]
    let phases: Phases
    /// The process measured alongside (the bridge), if any.
    let observedPid: Int32?
    private var onFinish: ((LoadResult) -> Void)?

    private var all: [SimulatedCall] = []
    private var slots: [[SimulatedCall]] = Array(repeating: [], count: 20)
    private var startUs: Int64 = 0
    private var nextTickMs: Int64 = 0
    private var sending = true
    private var opened = 0, closed = 0, failedToOpen = 0
    private var lastOpenUs: Int64 = 0
    private var windowStartUs: Int64 = .max, windowEndUs: Int64 = .max
    private var windowScheduled = false

    private(set) var result = LoadResult()
    private var rtt = LatencyHistogram()
    private var sendLag = LatencyHistogram()
    private var observedIdle: ProcessSample?
    private var observedAtStart: ProcessSample?
    private var selfAtStart: ProcessSample?
    private var errorCounts: [String: Int] = [:]

    /// Makes each call's `start.customParameters` (with a stream token when signing, as the
    /// bridge's TwiML would carry it) from its CallSid.
    let parameters: (String) -> [(String, String)]

    init(loop: EventLoop, calls: Int, url: WSURL, headers: [(String, String)], phases: Phases, observedPid: Int32?,
         parameters: @escaping (String) -> [(String, String)] = { [("From", "+15550100"), ("CallSid", $0)] }) {
        self.parameters = parameters
        self.loop = loop
        self.calls = calls
        self.url = url
        self.headers = headers
        self.phases = phases
        self.observedPid = observedPid
    }

    /// Starts the ramp; `completion` runs on the loop with the measurements.
    func run(completion: @escaping (LoadResult) -> Void) {
        onFinish = completion
        result.calls = calls
        startUs = MonotonicClock.nowUs()
        if let pid = observedPid { observedIdle = ProcessSample.take(pid: pid, atUs: startUs) }
        for i in 0..<calls {
            let call = SimulatedCall(index: i, driver: self)
            all.append(call)
            slots[i % 20].append(call)
        }
        openCalls(from: 0)
        tick()
        // A hard stop, so a wedged run still ends and says why.
        let limit = phases.rampMs + phases.warmupMs + phases.windowMs + phases.drainMs + phases.settleMs + 30_000
        loop.schedule(afterMs: limit) { [weak self] in
            guard let self, self.onFinish != nil else { return }
            self.error("run did not finish within \(limit) ms (opened \(self.opened) of \(self.calls) calls)")
            self.finish()
        }
    }

    /// Opens calls evenly over `rampMs`, a few per millisecond at most.
    private func openCalls(from first: Int) {
        let perMs = max(1, Int((Double(calls) / Double(max(1, phases.rampMs))).rounded(.up)))
        let last = min(calls, first + perMs)
        for i in first..<last { all[i].connect(url: url, headers: headers, loop: loop) }
        guard last < calls else { return }
        loop.schedule(afterMs: 1) { [weak self] in self?.openCalls(from: last) }
    }

    private func tick() {
        guard sending else { return }
        let now = MonotonicClock.nowUs()
        while startUs + nextTickMs * 1000 <= now {
            let slotUs = startUs + nextTickMs * 1000
            for call in slots[Int(nextTickMs % 20)] where call.state == .open {
                let sendUs = MonotonicClock.nowUs()
                call.sendFrame(nowUs: sendUs)
                if sendUs >= windowStartUs && sendUs < windowEndUs {
                    result.framesSent += 1
                    sendLag.record(sendUs - slotUs)
                }
            }
            nextTickMs += 1
        }
        let wait = max(0, (startUs + nextTickMs * 1000 - MonotonicClock.nowUs() + 999) / 1000)
        loop.schedule(afterMs: wait) { [weak self] in self?.tick() }
    }

    // MARK: Events from calls

    func callOpened(_ call: SimulatedCall) {
        opened += 1
        lastOpenUs = MonotonicClock.nowUs()
        if opened == calls { scheduleWindow() }
    }

    func callClosed(_ call: SimulatedCall, wasOpen: Bool, reason: String?) {
        closed += 1
        if !wasOpen { failedToOpen += 1 }
        if let reason { error(wasOpen ? "call ended early: \(reason)" : "call did not open: \(reason)") }
        if !sending && closed == calls { settle() }
        if sending && opened + failedToOpen == calls { scheduleWindow() }
    }

    func frameReturned(_ tag: FrameTag, now: Int64) {
        let elapsed = tag.elapsedUs(now: now)
        let sentAt = now - elapsed
        guard sentAt >= windowStartUs && sentAt < windowEndUs else { return }
        result.framesReturned += 1
        rtt.record(elapsed)
        if elapsed > 60_000 { result.framesLate += 1 }
    }

    func outOfOrder(expected: UInt32, got: UInt32) {
        result.outOfOrder += 1
    }

    func markEchoed() { result.marksEchoed += 1 }

    /// Records a problem; the same text is counted, not repeated.
    func error(_ text: String) {
        let key = text.count > 200 ? String(text.prefix(200)) : text
        errorCounts[key, default: 0] += 1
    }

    // MARK: Phases

    private func scheduleWindow() {
        guard !windowScheduled else { return }
        windowScheduled = true
        result.callsOpened = opened
        result.rampMs = Double(lastOpenUs - startUs) / 1000
        loop.schedule(afterMs: phases.warmupMs) { [weak self] in self?.openWindow() }
    }

    private func openWindow() {
        let now = MonotonicClock.nowUs()
        windowStartUs = now
        windowEndUs = now + phases.windowMs * 1000
        if let pid = observedPid { observedAtStart = ProcessSample.take(pid: pid, atUs: now) }
        selfAtStart = ProcessSample.take(pid: getpid(), atUs: now)
        loop.schedule(afterMs: phases.windowMs) { [weak self] in self?.closeWindow() }
    }

    private func closeWindow() {
        let now = MonotonicClock.nowUs()
        result.windowS = Double(now - windowStartUs) / 1e6
        if let pid = observedPid, let start = observedAtStart, let end = ProcessSample.take(pid: pid, atUs: now) {
            result.observed = ObservedProcess(idle: observedIdle, start: start, end: end)
        }
        if let start = selfAtStart, let end = ProcessSample.take(pid: getpid(), atUs: now) {
            result.loadCpuPercent = end.cpuPercentPrecise(since: start)
        }
        loop.schedule(afterMs: phases.drainMs) { [weak self] in self?.hangUp() }
    }

    private func hangUp() {
        sending = false
        result.framesLost = result.framesSent - result.framesReturned
        for call in all { call.hangUp() }
        if closed == calls { settle() }
    }

    private func settle() {
        loop.schedule(afterMs: phases.settleMs) { [weak self] in
            guard let self else { return }
            if let pid = self.observedPid {
                self.result.observed?.after = ProcessSample.take(pid: pid, atUs: MonotonicClock.nowUs())
            }
            self.finish()
        }
    }

    private func finish() {
        guard let done = onFinish else { return }
        onFinish = nil
        result.rtt = rtt
        result.sendLag = sendLag
        result.errors = errorCounts.sorted { $0.value > $1.value }.map { "\($0.value)× \($0.key)" }
        done(result)
    }
}
