/// A cancellable one-shot timer scheduled on an `EventLoop`.
public final class LoopTimer {
    fileprivate(set) var callback: (() -> Void)?
    let deadline: Int64
    let sequence: UInt64

    init(deadline: Int64, sequence: UInt64, callback: @escaping () -> Void) {
        self.deadline = deadline
        self.sequence = sequence
        self.callback = callback
    }

    /// Cancels the timer; its callback will not run. Safe to call more than once.
    public func cancel() { callback = nil }

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

/// A binary min-heap of timers ordered by deadline, then by scheduling order.
/// Cancelled timers stay in the heap until they reach the top (lazy deletion keeps cancel O(1)).
struct TimerQueue {
    private var heap: [LoopTimer] = []
    private var nextSequence: UInt64 = 0

    var isEmpty: Bool { heap.isEmpty }
    var count: Int { heap.count }

    /// The earliest deadline, after dropping cancelled timers at the top.
    mutating func nextDeadline() -> Int64? {
        while let top = heap.first, !top.isPending { _ = popTop() }
        return heap.first?.deadline
    }

    mutating func schedule(deadline: Int64, _ callback: @escaping () -> Void) -> LoopTimer {
        let timer = LoopTimer(deadline: deadline, sequence: nextSequence, callback: callback)
        nextSequence &+= 1
        heap.append(timer)
        siftUp(heap.count - 1)
        return timer
    }

    /// Removes and returns the next timer due at or before `now`. The caller fires it outside
    /// this mutating access, because a callback may schedule new timers.
    mutating func popDue(now: Int64) -> LoopTimer? {
        guard let top = heap.first, top.deadline <= now else { return nil }
        return popTop()
    }

    private mutating func popTop() -> LoopTimer {
        let top = heap[0]
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            siftDown(0)
        }
        return top
    }

    private func less(_ a: LoopTimer, _ b: LoopTimer) -> Bool {
        a.deadline != b.deadline ? a.deadline < b.deadline : a.sequence < b.sequence
    }

    private mutating func siftUp(_ index: Int) {
        var child = index
        while child > 0 {
            let parent = (child - 1) / 2
            guard less(heap[child], heap[parent]) else { return }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ index: Int) {
        var parent = index
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < heap.count, less(heap[left], heap[smallest]) { smallest = left }
            if right < heap.count, less(heap[right], heap[smallest]) { smallest = right }
            if smallest == parent { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
