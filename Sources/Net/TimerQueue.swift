/// A cancellable one-shot timer scheduled on an `EventLoop`.
public final class LoopTimer {
    fileprivate(set) var callback: (() -> Void)?
    let deadline: Int64
    let sequence: UInt64
    /// Where it sits in its queue's heap; -1 once fired or cancelled.
    fileprivate var heapIndex = -1
    fileprivate weak var queue: TimerQueue?

    init(deadline: Int64, sequence: UInt64, callback: @escaping () -> Void) {
        self.deadline = deadline
        self.sequence = sequence
        self.callback = callback
    }

    /// Cancels the timer; its callback will not run. Safe to call more than once.
    /// The timer leaves its queue at once, so cancelled timers never pile up (each call cancels
    /// several timers with deadlines tens of seconds away; kept until then, they pinned heap pages
    /// that `malloc_trim` could not return after a busy period).
    public func cancel() {
        callback = nil
        queue?.remove(self)
    }

    /// Whether the timer is still due to fire.
    public var isPending: Bool { callback != nil }

    func fire() {
        guard let cb = callback else { return }
        callback = nil
        cb()
    }
}

@available(*, unavailable)
extension LoopTimer: Sendable {}

/// A binary min-heap of timers ordered by deadline, then by scheduling order. Each timer knows
/// its index, so cancelling removes it in O(log n).
final class TimerQueue {
    private var heap: [LoopTimer] = []
    private var nextSequence: UInt64 = 0

    var isEmpty: Bool { heap.isEmpty }
    var count: Int { heap.count }

    /// The earliest deadline, if any timer is pending.
    func nextDeadline() -> Int64? {
        heap.first?.deadline
    }

    /// Adds a timer firing `callback` at `deadline` (monotonic milliseconds).
    func schedule(deadline: Int64, _ callback: @escaping () -> Void) -> LoopTimer {
        let timer = LoopTimer(deadline: deadline, sequence: nextSequence, callback: callback)
        nextSequence &+= 1
        timer.queue = self
        timer.heapIndex = heap.count
        heap.append(timer)
        siftUp(heap.count - 1)
        return timer
    }

    /// Removes and returns the earliest timer if its deadline is at or before `now`.
    func popDue(now: Int64) -> LoopTimer? {
        guard let top = heap.first, top.deadline <= now else { return nil }
        return remove(at: 0)
    }

    /// Takes `timer` out of the heap (cancellation); nothing if it is not in it.
    func remove(_ timer: LoopTimer) {
        let index = timer.heapIndex
        guard index >= 0, index < heap.count, heap[index] === timer else { return }
        _ = remove(at: index)
    }

    private func remove(at index: Int) -> LoopTimer {
        let removed = heap[index]
        let last = heap.removeLast()
        if index < heap.count {
            heap[index] = last
            last.heapIndex = index
            siftDown(index)
            siftUp(last.heapIndex)
        }
        removed.heapIndex = -1
        removed.queue = nil
        if heap.isEmpty && heap.capacity > 1024 { heap = [] }  // after a busy period
        return removed
    }

    private func less(_ a: LoopTimer, _ b: LoopTimer) -> Bool {
        a.deadline != b.deadline ? a.deadline < b.deadline : a.sequence < b.sequence
    }

    private func swapAt(_ i: Int, _ j: Int) {
        heap.swapAt(i, j)
        heap[i].heapIndex = i
        heap[j].heapIndex = j
    }

    private func siftUp(_ index: Int) {
        var child = index
        while child > 0 {
            let parent = (child - 1) / 2
            guard less(heap[child], heap[parent]) else { return }
            swapAt(child, parent)
            child = parent
        }
    }

    private func siftDown(_ index: Int) {
        var parent = index
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < heap.count, less(heap[left], heap[smallest]) { smallest = left }
            if right < heap.count, less(heap[right], heap[smallest]) { smallest = right }
            if smallest == parent { return }
            swapAt(parent, smallest)
            parent = smallest
        }
    }
}
