import CLinux
import Glibc
import Net

/// Wakes the load tool's loop when the next frame of any call is due, with microsecond precision:
/// a `timerfd` armed at the earliest due time (absolute, `CLOCK_MONOTONIC`, the clock of
/// `MonotonicClock`) and registered with the loop. On each expiry `onDue` is handed every call
/// whose frame is due by now plus `grainUs`, earliest first; the next expiry is set to the next
/// due time. The loop's own timers tick in milliseconds, which would send a millisecond's frames
/// in one burst. The grain bounds the load side's own wake-ups (each costs it tens of µs of
/// kernel time, like the bridge's): frames due within it of the first leave together, up to that
/// much early, much as a network card's interrupt moderation hands a host its packets.
final class FramePacer {
    private let loop: EventLoop
    private let fd: Int32
    private let schedule: ArrivalSchedule
    private let startUs: Int64
    private let grainUs: Int64
    /// (due time, call, frame number), a min-heap on due time.
    private var heap: [(dueUs: Int64, call: Int, frame: Int)] = []
    private let onDue: (_ call: Int, _ dueUs: Int64) -> Void
    private var stopped = false

    /// Starts pacing `calls` calls by `schedule` from `startUs`; `onDue` runs on the loop.
    init(loop: EventLoop, calls: Int, schedule: ArrivalSchedule, startUs: Int64, grainUs: Int64,
         onDue: @escaping (_ call: Int, _ dueUs: Int64) -> Void) throws {
        self.loop = loop
        self.grainUs = grainUs
        self.schedule = schedule
        self.startUs = startUs
        self.onDue = onDue
        fd = timerfd_create(CLOCK_MONOTONIC, Int32(TFD_NONBLOCK | TFD_CLOEXEC))
        guard fd >= 0 else { throw NetError.syscall("timerfd_create") }
        for call in 0..<calls { push((startUs + schedule.dueUs(call: call, frame: 0), call, 0)) }
        try loop.register(fd: fd, interest: .readable) { [unowned self] _ in self.expired() }
        arm()
    }

    deinit { close(fd) }

    /// Sends nothing more.
    func stop() {
        guard !stopped else { return }
        stopped = true
        loop.deregister(fd: fd)
    }

    private func expired() {
        var count: UInt64 = 0
        _ = read(fd, &count, 8)
        let sendBy = MonotonicClock.nowUs() + grainUs
        while let first = heap.first, first.dueUs <= sendBy, !stopped {
            popFirst()
            push((startUs + schedule.dueUs(call: first.call, frame: first.frame + 1), first.call, first.frame + 1))
            onDue(first.call, first.dueUs)
        }
        arm()
    }

    private func arm() {
        guard !stopped, let next = heap.first?.dueUs else { return }
        var spec = itimerspec()
        spec.it_value = timespec(tv_sec: Int(next / 1_000_000), tv_nsec: Int(next % 1_000_000) * 1000)
        timerfd_settime(fd, Int32(TFD_TIMER_ABSTIME), &spec, nil)
    }

    // MARK: Heap

    private func push(_ entry: (dueUs: Int64, call: Int, frame: Int)) {
        heap.append(entry)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard heap[i].dueUs < heap[parent].dueUs else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    private func popFirst() {
        let last = heap.removeLast()
        guard !heap.isEmpty else { return }
        heap[0] = last
        var i = 0
        while true {
            let left = 2 * i + 1, right = left + 1
            var smallest = i
            if left < heap.count && heap[left].dueUs < heap[smallest].dueUs { smallest = left }
            if right < heap.count && heap[right].dueUs < heap[smallest].dueUs { smallest = right }
            guard smallest != i else { return }
            heap.swapAt(i, smallest)
            i = smallest
        }
    }
}
