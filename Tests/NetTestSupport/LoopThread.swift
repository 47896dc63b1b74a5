import Foundation
import Glibc
import Net

/// An event loop on a thread of its own, for tests of what crosses loops (`EVENT_LOOPS`).
public final class LoopThread: @unchecked Sendable {
    /// The loop's handle.
    public let handle: LoopHandle
    /// The loop thread's `pthread_self()`.
    public let threadID: UInt
    private let thread: Thread

    /// Starts the loop; `setUp` runs on its thread before the loop does, and what it returns is
    /// handed back (it must be used only on the loop's thread afterwards).
    public init<T>(setUp: @escaping @Sendable (EventLoop) -> T, made: ((HandedOver<T>) -> Void)? = nil) {
        let ready = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var started: (LoopHandle, UInt, HandedOver<T>)?
        thread = Thread {
            let loop = try! EventLoop()
            let value = setUp(loop)
            started = (loop.handle, UInt(pthread_self()), HandedOver(value))
            ready.signal()
            loop.run()
        }
        thread.start()
        ready.wait()
        handle = started!.0
        threadID = started!.1
        made?(started!.2)
    }

    /// Starts a loop with nothing set up on it.
    public convenience init() {
        self.init(setUp: { _ in () })
    }

    /// Runs `body` on the loop's thread and waits for its result.
    public func sync<R: Sendable>(_ body: @escaping @Sendable () -> R) -> R {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: R?
        handle.execute {
            result = body()
            done.signal()
        }
        done.wait()
        return result!
    }

    /// Ends the loop.
    public func stop() { handle.execute { (loop: EventLoop) in loop.stop() } }
}
