/// When the event loop blocks in `epoll_wait` until the next readiness event, and when it wakes
/// on a short tick instead and collects everything that arrived meanwhile with `epoll_wait(0)`.
///
/// Why: on a virtual machine one sleep in `epoll_wait` and the wake-up after it cost about 40 µs
/// of kernel time, more than the work of one caller frame. With calls arriving at independent
/// phases (as Twilio's do) a blocking loop sleeps and wakes for nearly every message; at a tick it
/// sleeps once per tick whatever the rate, at the price of up to one tick of added delay per message.
///
/// A pure policy: it sees each wake-up (when, whether it slept before it, whether it found any
/// readiness event), and over windows of `windowUs` answers the wait mode for the next iteration.
/// - Blocking, it counts the sleeps that ended with work: the wake-ups a tick would replace. A wake
///   that found events already waiting cost no sleep (a burst of messages, or a loop already
///   behind), so it does not count. Ticking starts once those sleeps come at `enterSleepsPerTick`
///   or more per tick of time (below 2, a tick would sleep about as often and only add delay).
/// - Ticking, every tick is one sleep; it goes back to blocking when fewer than
///   `leaveBusyTicksPerTick` of them find work (traffic fell, so blocking would sleep less), and,
///   every `probeEveryWindows` windows, for one window to measure again: while ticking it cannot
///   see how often blocking would sleep (traffic that comes in bursts sleeps rarely either way).
/// The gap between the thresholds is the hysteresis that keeps it from flapping. A tick of 0 turns
/// it off.
public struct LoopWakePolicy: Sendable, Equatable {
    /// How the loop waits in its next iteration.
    public enum Wait: Sendable, Equatable {
        /// Block in `epoll_wait` until an event, the next timer or the caller's limit.
        case block
        /// Sleep until one tick after the last wake-up (or the next timer, if sooner), then
        /// collect what is ready without blocking.
        case tick
    }

    /// The tick in microseconds; 0 means never tick.
    public let tickUs: Int64
    /// How long the rate is measured before the mode may change.
    public let windowUs: Int64
    /// Sleeps ending with work, per tick of time, at or above which a blocking loop starts ticking.
    public let enterSleepsPerTick: Double
    /// The share of ticks finding work below which a ticking loop goes back to blocking.
    public let leaveBusyTicksPerTick: Double
    /// Windows of ticking after which one window blocks, to measure the sleeps again.
    public let probeEveryWindows: Int

    /// The mode the next iteration uses.
    public private(set) var wait = Wait.block
    private var windowStartUs: Int64?
    private var windowCount = 0
    private var windowsTicking = 0

    /// A policy ticking every `tickUs` microseconds while the rate is high; `windowUs` defaults to
    /// one 20 ms frame period, so a call's whole cycle of messages falls in each window, and a
    /// ticking loop re-measures blocking for one window in fifty (20 ms a second).
    public init(tickUs: Int64, windowUs: Int64 = 20_000, enterSleepsPerTick: Double = 2,
                leaveBusyTicksPerTick: Double = 0.5, probeEveryWindows: Int = 50) {
        precondition(tickUs >= 0 && windowUs > 0 && leaveBusyTicksPerTick < enterSleepsPerTick && probeEveryWindows > 0)
        self.tickUs = tickUs
        self.windowUs = windowUs
        self.enterSleepsPerTick = enterSleepsPerTick
        self.leaveBusyTicksPerTick = leaveBusyTicksPerTick
        self.probeEveryWindows = probeEveryWindows
    }

    /// Whether the policy can ever tick.
    public var isEnabled: Bool { tickUs > 0 }

    /// Records that a wake-up at `nowUs` returned `events` readiness events, after sleeping
    /// (`slept`) or not, and returns the wait mode for the next iteration.
    @discardableResult
    public mutating func record(events: Int, slept: Bool, atUs nowUs: Int64) -> Wait {
        guard tickUs > 0 else { return .block }
        guard let start = windowStartUs else {
            windowStartUs = nowUs
            return wait
        }
        if events > 0 && (slept || wait == .tick) { windowCount += 1 }
        let elapsed = nowUs - start
        guard elapsed >= windowUs else { return wait }
        let perTick = Double(windowCount) * Double(tickUs) / Double(elapsed)
        switch wait {
        case .block:
            if perTick >= enterSleepsPerTick { wait = .tick }
        case .tick:
            windowsTicking += 1
            if perTick < leaveBusyTicksPerTick || windowsTicking >= probeEveryWindows {
                wait = .block
                windowsTicking = 0
            }
        }
        windowStartUs = nowUs
        windowCount = 0
        return wait
    }
}
