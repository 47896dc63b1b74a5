import CLinux
import Glibc
import Foundation

/// A single-threaded event loop on epoll: file-descriptor readiness, timers, and work posted from
/// other threads. Everything registered on a loop runs on the loop's thread; a call's Twilio and
/// provider sockets live on the same loop, so a call's state has exactly one owner and needs no lock.
public final class EventLoop {
    /// Readiness flags delivered to a handler.
    public struct Events: OptionSet, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// The descriptor is readable (or the peer closed).
        public static let readable = Events(rawValue: EPOLLIN.rawValue)
        /// The descriptor is writable.
        public static let writable = Events(rawValue: EPOLLOUT.rawValue)
        /// An error or hang-up was reported.
        public static let failed = Events(rawValue: EPOLLERR.rawValue | EPOLLHUP.rawValue)
    }

    /// A readiness handler for one descriptor.
    public typealias Handler = (Events) -> Void

    private let epollFD: Int32
    private let wakeFD: Int32
    private var handlers: [Handler?] = []
    private let timers = TimerQueue()
    private var afterEvents: [() -> Void] = []
    /// The batch of `afterEvents` being run; swapped with `afterEvents` so neither reallocates.
    private var afterEventsRunning: [() -> Void] = []
    /// Objects to run once the current events are handled (a connection's flush); no closure
    /// or weak reference is made per message on the audio path.
    private var deferredTasks: [AfterEventsTask] = []
    private var deferredTasksRunning: [AfterEventsTask] = []
    private var running = false
    private let postedLock = NSLock()
    private var posted: [@Sendable () -> Void] = []
    private var events: [epoll_event]

    /// A scratch buffer the loop's connections read into; valid only during a read callback.
    let readBuffer: UnsafeMutableRawBufferPointer

    /// The loop's cached monotonic time in milliseconds, refreshed once per iteration.
    public private(set) var now: Int64

    /// Told after every iteration how long it kept the thread busy (epoll's wait excluded), in
    /// microseconds: the `voice_bridge_loop_busy_seconds` histogram.
    public var onIteration: ((Int64) -> Void)?
    /// Told when an iteration was busy longer than `slowIterationUs`, with what ran in it: every
    /// call on this loop waited that long for its audio.
    public var onSlowIteration: ((Int64, String) -> Void)?
    /// The busy time past which `onSlowIteration` is told, in microseconds.
    public var slowIterationUs: Int64 = 20_000
    /// What each descriptor is, for the slow-iteration report (a connection's peer).
    private var labels: [String?] = []

    /// The loop's time source; see `LoopClock`.
    public let clock: LoopClock

    /// When the loop blocks in `epoll_wait` and when it polls at a short tick (`LOOP_TICK_US`).
    public private(set) var wakePolicy: LoopWakePolicy
    /// When the last `epoll_wait` returned; a tick is counted from there.
    private var lastWakeUs: Int64 = 0
    /// An `epoll_wait` that took this long or more slept (for `LoopWakePolicy`).
    static let sleptUs: Int64 = 10

    /// Creates a loop with its own epoll instance and wake-up eventfd, on `clock`. With a
    /// `wakePolicy` whose tick is above 0 the loop stops waking for every event while they come
    /// faster than about two per tick, and wakes once per tick instead (`LoopWakePolicy`).
    public init(clock: LoopClock = .monotonic, wakePolicy: LoopWakePolicy = LoopWakePolicy(tickUs: 0)) throws {
        self.clock = clock
        self.wakePolicy = wakePolicy
        lastWakeUs = clock.nowUs()
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epollFD >= 0 else { throw NetError.syscall("epoll_create1") }
        wakeFD = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard wakeFD >= 0 else { throw NetError.syscall("eventfd") }
        events = Array(repeating: epoll_event(), count: 256)
        readBuffer = .allocate(byteCount: 64 * 1024, alignment: 16)
        now = clock.nowUs() / 1000
        try register(fd: wakeFD, interest: .readable) { [unowned self] _ in self.drainWakeups() }
    }

    deinit {
        close(epollFD)
        close(wakeFD)
        readBuffer.deallocate()
    }

    // MARK: Descriptors

    /// Starts watching `fd` for `interest`; `handler` runs on the loop thread on readiness.
    public func register(fd: Int32, interest: Events, handler: @escaping Handler) throws {
        var ev = epoll_event()
        ev.events = interest.rawValue
        ev.data.fd = fd
        guard epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &ev) == 0 else {
            throw NetError.syscall("epoll_ctl(ADD, fd \(fd))")
        }
        let index = Int(fd)
        if index >= handlers.count {
            handlers.append(contentsOf: repeatElement(nil, count: index + 1 - handlers.count))
        }
        handlers[index] = handler
    }

    /// Names `fd` in the slow-iteration report (until it is registered again).
    public func setLabel(_ label: String, for fd: Int32) {
        let index = Int(fd)
        guard index >= 0 else { return }
        if index >= labels.count { labels.append(contentsOf: repeatElement(nil, count: index + 1 - labels.count)) }
        labels[index] = label
    }

    /// How many descriptors are registered (the loop's own wake-up descriptor included).
    public var registeredCount: Int { handlers.reduce(0) { $0 + ($1 == nil ? 0 : 1) } }

    /// Changes what `fd` is watched for.
    public func modify(fd: Int32, interest: Events) {
        var ev = epoll_event()
        ev.events = interest.rawValue
        ev.data.fd = fd
        epoll_ctl(epollFD, EPOLL_CTL_MOD, fd, &ev)
    }

    /// Stops watching `fd`. Call before closing it.
    public func deregister(fd: Int32) {
        epoll_ctl(epollFD, EPOLL_CTL_DEL, fd, nil)
        if Int(fd) < handlers.count { handlers[Int(fd)] = nil }
    }

    // MARK: Work

    /// Runs `callback` on the loop thread after `ms` milliseconds, unless cancelled.
    @discardableResult
    public func schedule(afterMs ms: Int64, _ callback: @escaping () -> Void) -> LoopTimer {
        timers.schedule(deadline: currentTimeMs() + ms, callback)
    }

    /// The clock's time now, in milliseconds (a fresh read; `now` is the iteration's).
    public func currentTimeMs() -> Int64 { clock.nowUs() / 1000 }

    /// Runs `callback` on the loop thread once the current batch of events is handled.
    /// Connections use this to write everything produced in one iteration with one syscall.
    public func afterCurrentEvents(_ callback: @escaping () -> Void) {
        afterEvents.append(callback)
    }

    /// Runs `task.runAfterCurrentEvents()` once the current batch of events is handled; the loop
    /// holds `task` until then. Callers keep their own "already scheduled" flag: a task added
    /// twice runs twice. Closures added by `afterCurrentEvents(_:)` run before the tasks, so the
    /// writes they make leave in the same pass.
    public func afterCurrentEvents(_ task: AfterEventsTask) {
        deferredTasks.append(task)
    }

    /// Posts `callback` from any thread; it runs on the loop thread soon. Other threads reach
    /// this through `handle` (a `LoopHandle`), the one part of a loop that is `Sendable`.
    public func execute(_ callback: @escaping @Sendable () -> Void) {
        postedLock.lock()
        posted.append(callback)
        postedLock.unlock()
        var one: UInt64 = 1
        _ = write(wakeFD, &one, 8)
    }

    private func drainWakeups() {
        var value: UInt64 = 0
        _ = read(wakeFD, &value, 8)
        postedLock.lock()
        let work = posted
        posted.removeAll()
        postedLock.unlock()
        for item in work { item() }
    }

    // MARK: Running

    /// Runs until `stop()` is called. Blocks the calling thread, which becomes the loop thread.
    public func run() {
        running = true
        while running { runOnce(maxWaitMs: -1) }
    }

    /// One iteration: waits for readiness (at most `maxWaitMs`, -1 for the next timer), handles
    /// what is ready, the deferred work and the timers now due. Tests on a `ManualClock` advance
    /// the clock and call this with 0 to fire what is due without waiting.
    public func runOnce(maxWaitMs: Int32) {
        now = clock.nowUs() / 1000
        var timeout: Int32 = maxWaitMs
        if !afterEvents.isEmpty || !deferredTasks.isEmpty {
            timeout = 0
        } else if let deadline = timers.nextDeadline() {
            let untilDue = Int32(clamping: max(0, deadline - now))
            timeout = timeout < 0 ? untilDue : min(timeout, untilDue)
        }
        if timeout != 0, wakePolicy.wait == .tick {
            sleepUntilTick(timeoutMs: timeout)
            timeout = 0
        }
        let waitStartUs = wakePolicy.isEnabled ? clock.nowUs() : 0
        let count = events.withUnsafeMutableBufferPointer { buffer in
            epoll_wait(epollFD, buffer.baseAddress, Int32(buffer.count), timeout)
        }
        if count < 0 && errno != EINTR {
            // Only EBADF/EFAULT/EINVAL can land here: a programming error, not a peer's doing.
            fatalError("epoll_wait failed: \(String(cString: strerror(errno)))")
        }
        let busyStartUs = clock.nowUs()
        now = busyStartUs / 1000
        if wakePolicy.isEnabled {
            lastWakeUs = busyStartUs
            // epoll_wait returns in a few µs when events were already waiting; a sleep and the
            // wake-up after it take longer.
            wakePolicy.record(events: Int(max(count, 0)), slept: busyStartUs - waitStartUs >= EventLoop.sleptUs, atUs: busyStartUs)
        }
        if count > 0 {
            for i in 0..<Int(count) {
                let fd = Int(events[i].data.fd)
                guard fd < handlers.count, let handler = handlers[fd] else { continue }
                handler(Events(rawValue: events[i].events))
            }
        }
        // Clock reads per iteration, never per event: the report of a slow iteration names the
        // descriptors it served and how long each phase took.
        let handledUs = onSlowIteration == nil ? 0 : clock.nowUs()
        runAfterEvents()
        let dueUs = clock.nowUs()
        var fired = 0
        while let timer = timers.popDue(now: dueUs / 1000) {
            timer.fire()
            fired += 1
        }
        runAfterEvents()
        guard onIteration != nil || onSlowIteration != nil else { return }
        let endUs = clock.nowUs()
        onIteration?(endUs - busyStartUs)
        if endUs - busyStartUs > slowIterationUs, let onSlowIteration {
            onSlowIteration(endUs - busyStartUs,
                            "\(count) events (\(served(Int(max(count, 0))))) in \((handledUs - busyStartUs) / 1000) ms; "
                                + "deferred work \((dueUs - handledUs) / 1000) ms; \(fired) timers and their work \((endUs - dueUs) / 1000) ms")
        }
    }

    /// Sleeps until one tick after the last wake-up, or sooner if `timeoutMs` (the next timer's
    /// or the caller's limit, -1 for none) ends first. Events that arrive meanwhile wait for the
    /// `epoll_wait(0)` after it, except work posted by `execute(_:)`: the sleep watches the
    /// wake-up eventfd, so other threads are not kept waiting by a tick.
    private func sleepUntilTick(timeoutMs: Int32) {
        let nowUs = clock.nowUs()
        var sleepUs = lastWakeUs + wakePolicy.tickUs - nowUs
        if timeoutMs >= 0 {
            // A timer's deadline is in whole milliseconds: never sleep past it.
            sleepUs = min(sleepUs, now * 1000 + Int64(timeoutMs) * 1000 - nowUs)
        }
        guard sleepUs > 0 else { return }
        var watched = pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)
        var duration = timespec(tv_sec: Int(sleepUs / 1_000_000), tv_nsec: Int(sleepUs % 1_000_000) * 1000)
        _ = clinux_ppoll(&watched, 1, &duration)
    }

    /// The labels of the descriptors of the first `count` events, at most four and how many more.
    private func served(_ count: Int) -> String {
        let names = events.prefix(count).prefix(4).map { event -> String in
            let fd = Int(event.data.fd)
            return (fd < labels.count ? labels[fd] : nil) ?? "fd \(fd)"
        }
        return names.joined(separator: ", ") + (count > 4 ? ", +\(count - 4) more" : "")
    }

    private func runAfterEvents() {
        while !afterEvents.isEmpty || !deferredTasks.isEmpty {
            while !afterEvents.isEmpty {
                swap(&afterEvents, &afterEventsRunning)
                for item in afterEventsRunning { item() }
                afterEventsRunning.removeAll(keepingCapacity: true)
            }
            if !deferredTasks.isEmpty {
                swap(&deferredTasks, &deferredTasksRunning)
                for task in deferredTasksRunning { task.runAfterCurrentEvents() }
                deferredTasksRunning.removeAll(keepingCapacity: true)
            }
        }
    }

    /// Makes `run()` return after the current iteration. Call on the loop thread, or via `execute`.
    public func stop() { running = false }
}

/// Work an object asks its loop to run once the current batch of events is handled
/// (`EventLoop.afterCurrentEvents(_:)` with a task).
public protocol AfterEventsTask: AnyObject {
    /// Called once on the loop thread per `afterCurrentEvents(_:)`.
    func runAfterCurrentEvents()
}

// EventLoop is deliberately not Sendable: everything but `execute(_:)` must be called on the loop
// thread. Other threads (DNS lookups, signal handling) hold a `LoopHandle`, which offers only that.

/// What another thread may do with a loop: post work to it. The compiler checks that the work
/// is `@Sendable`; the loop itself never crosses threads.
public struct LoopHandle: @unchecked Sendable {
    // Safe: only `execute(_:)`, which takes the loop's lock, is reachable through it.
    private let loop: EventLoop

    init(_ loop: EventLoop) { self.loop = loop }

    /// Runs `callback` on the loop thread soon.
    public func execute(_ callback: @escaping @Sendable () -> Void) {
        loop.execute(callback)
    }

    /// Whether this is `loop`'s handle (an identity check: the loop is not touched).
    public func runs(_ loop: EventLoop) -> Bool { self.loop === loop }

    /// Runs `callback` on the loop thread soon, handing it the loop (which the closure may then
    /// use, being on its thread, without having captured it).
    public func execute(_ callback: @escaping @Sendable (EventLoop) -> Void) {
        let loop = self.loop
        nonisolated(unsafe) let unsafeLoop = loop  // handed over only on the loop's own thread
        loop.execute { callback(unsafeLoop) }
    }
}

extension EventLoop {
    /// The handle other threads use to post work to this loop.
    public var handle: LoopHandle { LoopHandle(self) }
}
