/// When the event loop blocks in `epoll_wait` until the next readiness event, and when it wakes
/// on a short tick instead and collects everything that arrived meanwhile with `epoll_wait(0)`.
///
/// Why: on a virtual machine one sleep in `epoll_wait` and the wake-up after it cost about 40 µs
/// of kernel time, more than the work of one caller frame. With calls arriving at independent
/// phases (as Twilio's do) a blocking loop wakes for nearly every message; at a tick it wakes
/// once per tick whatever the rate, at the price of up to one tick of added delay per message.
///
/// A pure policy: it sees each wake-up (when, and whether it found any readiness event),
/// estimates over windows of `windowUs` how many wake-ups found work per tick of time, and answers
/// the wait mode for the next iteration. Wake-ups are counted, not events: a tick that collects
/// ten messages from one socket sees one event, and blocking would have woken ten times for them.
/// Blocking, every wake-up but a timer's finds work, and ticking starts once they come at
/// `enterWakeUpsPerTick` or more (below 2, a tick would wake about as often and only add delay).
/// Ticking, at most one wake-up per tick finds work; it goes back to blocking when fewer than
/// `leaveWakeUpsPerTick` do (most ticks find nothing, so blocking would wake less). The gap
/// between the two is the hysteresis that keeps it from flapping. A tick of 0 turns it off.
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
    /// Wake-ups with work per tick of time at or above which a blocking loop starts ticking.
    public let enterWakeUpsPerTick: Double
    /// Wake-ups with work per tick of time below which a ticking loop goes back to blocking.
    public let leaveWakeUpsPerTick: Double

    /// The mode the next iteration uses.
    public private(set) var wait = Wait.block
    private var windowStartUs: Int64?
    private var windowWakeUps = 0

    /// A policy ticking every `tickUs` microseconds while the rate is high; `windowUs` defaults to
    /// one 20 ms frame period, so a call's whole cycle of messages falls in each window.
    public init(tickUs: Int64, windowUs: Int64 = 20_000, enterWakeUpsPerTick: Double = 2, leaveWakeUpsPerTick: Double = 0.5) {
        precondition(tickUs >= 0 && windowUs > 0 && leaveWakeUpsPerTick < enterWakeUpsPerTick)
        self.tickUs = tickUs
        self.windowUs = windowUs
        self.enterWakeUpsPerTick = enterWakeUpsPerTick
        self.leaveWakeUpsPerTick = leaveWakeUpsPerTick
    }

    /// Whether the policy can ever tick.
    public var isEnabled: Bool { tickUs > 0 }

    /// Records that a wake-up at `nowUs` returned `events` readiness events, and returns the wait
    /// mode for the next iteration.
    @discardableResult
    public mutating func record(events: Int, atUs nowUs: Int64) -> Wait {
        guard tickUs > 0 else { return .block }
        guard let start = windowStartUs else {
            windowStartUs = nowUs
            return wait
        }
        if events > 0 { windowWakeUps += 1 }
        let elapsed = nowUs - start
        guard elapsed >= windowUs else { return wait }
        let perTick = Double(windowWakeUps) * Double(tickUs) / Double(elapsed)
        switch wait {
        case .block where perTick >= enterWakeUpsPerTick: wait = .tick
        case .tick where perTick < leaveWakeUpsPerTick: wait = .block
        default: break
        }
        windowStartUs = nowUs
        windowWakeUps = 0
        return wait
    }
}
