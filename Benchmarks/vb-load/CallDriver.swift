import Glibc
import Net
import WebSocket

/// Runs N simulated calls against one Media Stream URL on the load tool's loop and measures them.
///
/// Pacing: each call sends a frame every 20 ms on an absolute grid at the times its
/// `ArrivalSchedule` says (its own random phase with jitter, or its millisecond slot), woken by a
/// `FramePacer` with microsecond precision. How late each send leaves compared with its due time
/// (`sendLag`) shows when the load side itself falls behind.
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
    let schedule: ArrivalSchedule
    /// Frames due within this many µs of each other leave together (`FramePacer`).
    var grainUs: Int64 = 0
    /// Whether frames come back one by one (`echo`) or the provider talks in turns (`talk`).
    let shape: LoadOptions.Shape
    /// The mock provider in this process (bridge mode), told to fall quiet at the window's end.
    var mock: MockProvider?
    /// The process measured alongside (the bridge), if any.
    let observedPid: Int32?
    private var onFinish: ((LoadResult) -> Void)?

    private var all: [SimulatedCall] = []
    private var pacer: FramePacer?
    private var startUs: Int64 = 0
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

    init(loop: EventLoop, calls: Int, url: WSURL, headers: [(String, String)], phases: Phases,
         schedule: ArrivalSchedule, shape: LoadOptions.Shape, observedPid: Int32?,
         parameters: @escaping (String) -> [(String, String)] = { [("From", "+15550100"), ("CallSid", $0)] }) {
        self.parameters = parameters
        self.schedule = schedule
        self.shape = shape
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
        for i in 0..<calls { all.append(SimulatedCall(index: i, driver: self)) }
        openCalls(from: 0)
        do {
            pacer = try FramePacer(loop: loop, calls: calls, schedule: schedule, startUs: startUs, grainUs: grainUs) { [unowned self] call, dueUs in
                self.frameDue(call: call, dueUs: dueUs)
            }
        } catch {
            self.error("cannot pace frames: \(error)")
            finish()
            return
        }
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

    private func frameDue(call index: Int, dueUs: Int64) {
        let call = all[index]
        guard sending, call.state == .open else { return }
        let sendUs = MonotonicClock.nowUs()
        call.sendFrame(nowUs: sendUs)
        result.callerFramesTotal += 1
        if sendUs >= windowStartUs && sendUs < windowEndUs {
            result.framesSent += 1
            sendLag.record(max(0, sendUs - dueUs))  // early by up to the grain counts as on time
        }
    }

    // MARK: Events from calls

    func callOpened(_ call: SimulatedCall) {
        opened += 1
        lastOpenUs = MonotonicClock.nowUs()
        // Calls that failed to open before this one count as settled too.
        if opened + failedToOpen == calls { scheduleWindow() }
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

    /// Talk: μ-law bytes the callers received from the bridge, over the whole run.
    private var audioBytesAtCallers = 0

    /// Talk: a call received `bytes` of the model's audio at `now`.
    func audioReceived(bytes: Int, now: Int64) {
        audioBytesAtCallers += bytes
        if now >= windowStartUs && now < windowEndUs { result.framesReturned += bytes / FrameTag.frameBytes }
    }

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
        // Talk: no new turns, so every delta the mock sent has arrived by the hang-up.
        mock?.fallQuiet()
        loop.schedule(afterMs: phases.drainMs) { [weak self] in self?.hangUp() }
    }

    private func hangUp() {
        sending = false
        pacer?.stop()
        guard shape == .talk, let mock else {
            result.framesLost = result.framesSent - result.framesReturned
            for call in all { call.hangUp() }
            if closed == calls { settle() }
            return
        }
        // Talk: audio is counted over the whole run, in 20 ms frames of μ-law, both ways. The last
        // frames get 200 ms to arrive before the counts are read and the calls hang up.
        loop.schedule(afterMs: 200) { [weak self] in
            guard let self else { return }
            let talk = TalkCounts(callerFrames: self.result.callerFramesTotal,
                                  framesAtProvider: mock.audioBytesReceived / FrameTag.frameBytes,
                                  providerFrames: mock.audioBytesSent / FrameTag.frameBytes,
                                  framesAtCaller: self.audioBytesAtCallers / FrameTag.frameBytes,
                                  turns: mock.turnsSpoken)
            self.result.talk = talk
            self.result.framesLost = max(0, talk.lostToCaller) + max(0, talk.lostToProvider)
            for call in self.all { call.hangUp() }
            if self.closed == self.calls { self.settle() }
        }
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
