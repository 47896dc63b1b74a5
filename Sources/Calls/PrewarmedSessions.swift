import Config
import Net
import Realtime

/// Provider sessions opened when Twilio fetches the TwiML webhook, before the Media Stream exists,
/// so the first words do not wait for DNS + TLS + upgrade + configuration. Keyed by CallSid and
/// handed to the stream whose `start` carries that CallSid; discarded if unclaimed in time.
final class PrewarmedSessions {
    /// One warming session: it configures itself on open and waits to be claimed.
    final class Entry: RealtimeClientDelegate {
        let callSid: String
        var client: RealtimeClient!
        var configured = false
        var failed = false
        var expiry: LoopTimer?
        weak var owner: PrewarmedSessions?

        init(callSid: String) { self.callSid = callSid }

        func realtimeDidOpen(_ client: RealtimeClient) {
            guard let owner else { return }
            client.send(RealtimeClientEvent.sessionUpdate(owner.context.sessionOptions, dialect: owner.context.endpoint.dialect))
            configured = true
        }

        func realtime(_ client: RealtimeClient, didReceive event: UnsafeRawBufferPointer) {}

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

    /// Starts a session for `callSid` unless one exists or too many are warming.
    func warm(callSid: String) {
        guard entries[callSid] == nil, entries.count < maxEntries else { return }
        let entry = Entry(callSid: callSid)
        entry.owner = self
        entries[callSid] = entry
        entry.client = RealtimeClient.connect(context.endpoint, loop: loop, tls: context.tls,
                                              timeoutMs: context.providerConnectTimeoutMs, delegate: entry)
        entry.expiry = loop.schedule(afterMs: claimTimeoutMs) { [weak self] in
            self?.discard(callSid, because: "no media stream claimed the pre-warmed provider session in time")
        }
        context.logger.debug("pre-warming provider session", [("call", callSid)])
    }

    /// Takes the session warmed for `callSid`, if it is still alive. The caller becomes its delegate.
    func claim(callSid: String) -> (client: RealtimeClient, configured: Bool)? {
        guard let entry = entries.removeValue(forKey: callSid) else { return nil }
        entry.expiry?.cancel()
        guard !entry.failed else { return nil }
        return (entry.client, entry.configured)
    }

    func discard(_ callSid: String, because reason: String) {
        guard let entry = entries.removeValue(forKey: callSid) else { return }
        entry.expiry?.cancel()
        context.logger.info("discarded pre-warmed session", [("call", callSid), ("reason", reason)])
        entry.client.close()
    }
}
