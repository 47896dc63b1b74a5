import Net

extension WSConnection {
    /// Starts the keep-alive timer once the connection is open: a ping after `pingIntervalMs`
    /// without a frame from the peer (RFC 6455 §5.5.2: "may serve either as a keepalive or as a
    /// means to verify that the remote endpoint is still responsive"), and a failed connection
    /// after `deadPeerTimeoutMs` without any byte, which is how a peer that vanished without a
    /// FIN (a dropped NAT mapping, a dead host) is noticed. Does nothing when both are 0.
    func startKeepAlive() {
        guard pingIntervalMs > 0 || deadPeerTimeoutMs > 0, phase == .open else { return }
        lastReceivedMs = connection.loop.now
        lastPingSentMs = connection.loop.now
        scheduleKeepAlive()
    }

    func stopKeepAlive() {
        keepAliveTimer?.cancel()
        keepAliveTimer = nil
    }

    /// Wakes at the earlier of "time to ping" and "the peer is dead".
    private func scheduleKeepAlive() {
        let now = connection.loop.now
        var due = Int64.max
        if pingIntervalMs > 0 { due = max(lastReceivedMs, lastPingSentMs) + pingIntervalMs }
        if deadPeerTimeoutMs > 0 { due = min(due, lastReceivedMs + deadPeerTimeoutMs) }
        keepAliveTimer = connection.loop.schedule(afterMs: max(1, due - now)) { [weak self] in
            self?.keepAliveTick()
        }
    }

    private func keepAliveTick() {
        keepAliveTimer = nil
        guard phase == .open else { return }
        let now = connection.loop.now
        let silentMs = now - lastReceivedMs
        if deadPeerTimeoutMs > 0 && silentMs >= deadPeerTimeoutMs {
            connection.abort(NetError("no data from \(label.isEmpty ? connection.peer : label) for \(silentMs) ms (dead-peer timeout \(deadPeerTimeoutMs) ms): the connection is presumed dead"))
            return
        }
        if pingIntervalMs > 0 && now - max(lastReceivedMs, lastPingSentMs) >= pingIntervalMs {
            lastPingSentMs = now
            perform(machine.ping(Array(String(now).utf8)))
        }
        scheduleKeepAlive()
    }
}
