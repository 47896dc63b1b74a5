import CSSL

/// Moving an open connection to another event loop (`EVENT_LOOPS` > 1): a Media Stream accepted
/// by the listener's loop goes to the loop that will carry its call, and a stream whose
/// pre-warmed provider session waits on another loop follows it there. A call then lives on one
/// loop for the rest of its life.
extension Connection {
    /// Moves the connection to `target`'s loop and runs `adopt` there with it. Call on this
    /// loop's thread. Reading stops at once; the move itself happens once the current events are
    /// handled (the read in progress has returned by then). If by then something is queued,
    /// scheduled or timed on this loop (or the target is this loop), the connection stays and
    /// `adopt` runs here; if it closed meanwhile, `adopt` does not run. `adopt` must therefore
    /// find what it needs from the loop it runs on (`connection.loop`). `onRelease` handlers
    /// registered before the move run on this loop still (posted back), so whoever counts the
    /// connection here keeps counting it right. Bytes already read stay with the delegate.
    /// `ifClosed`, when given, runs on this loop instead of `adopt` when the connection closed
    /// before it could move.
    public func handOver(to target: LoopHandle, then adopt: @escaping @Sendable (Connection) -> Void,
                         ifClosed: (() -> Void)? = nil) {
        let home = loop
        guard state == .open, registered else {
            home.afterCurrentEvents { [self] in
                if state == .closed { ifClosed?() } else { adopt(self) }
            }
            return
        }
        home.deregister(fd: fd)
        registered = false
        interest = []
        home.afterCurrentEvents { [self] in
            guard state == .open else {
                ifClosed?()
                return
            }
            guard !target.runs(home), canMove else {
                attach(to: home)
                adopt(self)
                return
            }
            releaseHandlers = releaseHandlers.map { handler in
                let moved = HandedOver(handler)
                let handle = home.handle
                return { handle.execute { moved.value() } }
            }
            // Handed over: from here on only the target's thread touches this connection.
            let moved = HandedOver(self)
            target.execute { (loop: EventLoop) in
                let connection = moved.value
                connection.attach(to: loop)
                adopt(connection)
            }
        }
    }

    /// Nothing of the connection is left behind on its loop: nothing queued or scheduled to be
    /// written, no close, linger or timer in progress.
    private var canMove: Bool {
        !flushScheduled && bufferedOutputBytes == 0 && !closeWhenFlushed && !lingering
            && closeTimer == nil && lingerTimer == nil && connectTimer == nil && !tlsWantsWritable
    }

    /// Registers the connection on `newLoop` (its thread); a failure tears it down. Records
    /// OpenSSL already holds are read at once: epoll would not report them.
    private func attach(to newLoop: EventLoop) {
        loop = newLoop
        guard watchAccepted() else { return }
        if let ssl, SSL_has_pending(ssl) != 0 {
            loop.afterCurrentEvents { [weak self] in self?.readAvailable() }
        }
    }
}

/// A value handed from one thread to another that it no longer touches: the sender gives it up
/// as it sends it (a connection moving to another loop, what a worker loop is built from). The
/// compiler cannot see the hand-over; each use says why it holds.
public struct HandedOver<Value>: @unchecked Sendable {
    /// The value, for the receiving thread.
    public let value: Value
    /// Wraps `value` for the hand-over.
    public init(_ value: Value) { self.value = value }
}
