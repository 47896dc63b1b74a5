import Net

extension WSConnection {
    /// Moves this server-side WebSocket to `target`'s loop with its connection (see
    /// `Connection.handOver(to:then:)`): no frame is delivered after this call until `adopt` has
    /// run, on the loop the socket ends up on, and has set the delegate; the frames received
    /// meanwhile are delivered then, in order. Call on this loop's thread, from a delegate
    /// callback or outside one. `adopt` does not run if the socket closed meanwhile.
    public func handOver(to target: LoopHandle, then adopt: @escaping @Sendable (WSConnection) -> Void,
                         ifClosed: (() -> Void)? = nil) {
        holdsDelivery = true
        delegate = nil
        // Handed over with the connection: the old loop drops its references as this returns.
        let socket = HandedOver(self)
        connection.handOver(to: target) { _ in
            let socket = socket.value
            adopt(socket)
            socket.holdsDelivery = false
            socket.drainFrames()
        } ifClosed: {
            ifClosed?()
        }
    }

    /// Whether a server-side socket can be handed over: open, with no timer of its own pending.
    public var canHandOver: Bool { phase == .open && closeTimer == nil && handshakeTimer == nil && keepAliveTimer == nil }
}
