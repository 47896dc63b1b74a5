import Providers
import Net
import Realtime

/// Provider sessions opened when Twilio fetches the TwiML webhook, before the Media Stream exists,
/// so the first words do not wait for DNS + TLS + upgrade + configuration. Keyed by CallSid and
/// handed to the stream whose `start` carries that CallSid; discarded if unclaimed in time.
final class PrewarmedSessions {
    /// One warming session: it configures itself on open and waits to be claimed.
    final class Entry: ProviderFailoverDelegate, RealtimeClientDelegate {
        let callSid: String
        /// The context of the agent the webhook chose.
        let context: CallContext
        var link: ProviderFailover!
        var configured = false
        var failed = false
        /// The session's configuration while it is not confirmed; handed over at claim.
        var negotiation: SessionNegotiation?
        var expiry: LoopTimer?
        weak var owner: PrewarmedSessions?

        init(callSid: String, context: CallContext) {
            self.callSid = callSid
            self.context = context
        }

        func providerFailover(_ failover: ProviderFailover, didOpen client: RealtimeClient) {
            client.delegate = self
            // GPT-Live: only the socket is warmed; `session.start`, which starts the billing,
            // waits for the stream (CallSession+Live.swift).
            guard owner != nil, client.endpoint.api == .realtime else { return }
            var negotiation = context.negotiation(for: client.endpoint)
            let action = negotiation.start()
            self.negotiation = negotiation
            negotiated(action, on: client)
        }

        private func negotiated(_ action: SessionNegotiation.Action, on client: RealtimeClient) {
            guard owner != nil else { return }
            context.learn(from: action, endpoint: client.endpoint, log: context.logger.with("call", callSid))
            switch action {
            case .send(let update, _):
                client.send(update)
            case .confirmed:
                configured = true
            case .failOver(let reason):
                negotiation = nil
                link.rejectOpened(because: reason)
            }
        }

        func providerFailover(_ failover: ProviderFailover, didFailWith reason: RealtimeCloseReason) {
            failed = true
            owner?.discard(callSid, because: "no provider session could be opened: \(reason)")
        }

        func realtimeDidOpen(_ client: RealtimeClient) {}

        func realtime(_ client: RealtimeClient, didReceive event: UnsafeRawBufferPointer) {
            guard var current = negotiation, !current.isConfirmed, let decoded = try? RealtimeServerEvent.decode(event),
                  let action = current.received(decoded) else { return }
            negotiation = current
            negotiated(action, on: client)
        }

        func realtime(_ client: RealtimeClient, didCloseWith reason: RealtimeCloseReason) {
            failed = true
            owner?.discard(callSid, because: "pre-warmed provider session ended: \(reason)")
        }
    }

    let context: CallContext
    private let loop: EventLoop
    private var entries: [String: Entry] = [:]
    /// How long a pre-warmed session waits for its stream.
    var claimTimeoutMs: Int64 = 15_000
    /// A bound on sessions warming at once (webhooks without streams must not exhaust anything).
    var maxEntries = 256

    init(context: CallContext, loop: EventLoop) {
        self.context = context
        self.loop = loop
        claimTimeoutMs = Int64(context.conversation.prewarmClaimTimeoutMs)
    }

    var count: Int { entries.count }

    /// Starts a session for `callSid` on `context`'s providers (the agent the webhook chose),
    /// unless one exists or too many are warming.
    func warm(callSid: String, context: CallContext) {
        guard entries[callSid] == nil, entries.count < maxEntries else { return }
        let entry = Entry(callSid: callSid, context: context)
        entry.owner = self
        entries[callSid] = entry
        entry.link = ProviderFailover(pool: context.providers, plan: context.providers.planForNewCall(), loop: loop,
                                      tls: context.tls, timeoutMs: context.providerConnectTimeoutMs,
                                      log: context.logger.with("call", callSid), delegate: entry)
        entry.expiry = loop.schedule(afterMs: claimTimeoutMs) { [weak self] in
            self?.discard(callSid, because: "no media stream claimed the pre-warmed provider session in time")
        }
        context.logger.debug("pre-warming provider session", [("call", callSid)])
    }

    /// Takes the session warmed (or still opening) for `callSid`, if it has not failed. The
    /// caller becomes the delegate of the link and, once open, of its client.
    func claim(callSid: String) -> (link: ProviderFailover, configured: Bool, negotiation: SessionNegotiation?)? {
        guard let entry = entries.removeValue(forKey: callSid) else { return nil }
        entry.expiry?.cancel()
        guard !entry.failed else { return nil }
        return (entry.link, entry.configured, entry.negotiation)
    }

    func discard(_ callSid: String, because reason: String) {
        guard let entry = entries.removeValue(forKey: callSid) else { return }
        entry.expiry?.cancel()
        context.logger.info("discarded pre-warmed session", [("call", callSid), ("reason", reason)])
        entry.link.close()
    }
}
