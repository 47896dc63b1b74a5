import Logging
import Net
import Realtime

/// Opens one provider session by trying a `ProviderPool` plan in order: a refused handshake
/// (429, 5xx), a timeout, a TLS or DNS failure moves on to the next target; a configuration
/// refusal (401/403/404/400) is logged loudly with its fix, cools the target down, and moves on.
///
/// Its `delegate` (the call, or a pre-warmed entry) sees only the outcome: the session that
/// opened (the owner then makes itself the client's delegate), or the last target's reason
/// when every target failed.
public final class ProviderFailover: RealtimeClientDelegate {
    /// Receives the opened session, or the final failure.
    public weak var delegate: ProviderFailoverDelegate?
    /// The session being opened, then the one that opened.
    public private(set) var client: RealtimeClient?
    /// The pool index of the target that opened, once open.
    public private(set) var openedTarget: Int?
    /// Whether this opens a replacement session mid-call (counted apart from new calls).
    let isReconnect: Bool

    private let pool: ProviderPool
    private let loop: EventLoop
    private let tls: TLSContext?
    private let timeoutMs: Int64
    private let log: Logger
    private let plan: [Int]
    private var position = 0
    private var attemptStartedMs: Int64 = 0
    private var closed = false

    /// Starts trying `plan` (pool indices) at once.
    public init(pool: ProviderPool, plan: [Int], loop: EventLoop, tls: TLSContext?, timeoutMs: Int64,
                log: Logger, isReconnect: Bool = false, delegate: ProviderFailoverDelegate) {
        self.pool = pool
        self.plan = plan
        self.loop = loop
        self.tls = tls
        self.timeoutMs = timeoutMs
        self.log = log
        self.isReconnect = isReconnect
        self.delegate = delegate
        attempt()
    }

    /// The session, when it is open.
    public var openClient: RealtimeClient? { openedTarget == nil ? nil : client }

    /// Stops trying (the call ended); closes whatever is open or opening.
    public func close() {
        closed = true
        client?.close()
    }

    /// Stops trying (the call ended) but leaves the open session's socket open: its owner
    /// closes it (a GPT-Live session waits for `session.closed`).
    public func detach() {
        closed = true
        client = nil
    }

    /// The session opened on the current target cannot carry the call (it refused the audio
    /// formats): closes it, counts it against the target like a refused handshake and tries the
    /// next target, or reports the failure when none is left.
    public func rejectOpened(because reason: String) {
        guard !closed, openedTarget != nil, position < plan.count else { return }
        let index = plan[position]
        openedTarget = nil
        let rejected = client
        client = nil
        rejected?.close()
        failed(index, .failed(reason), failure: .configuration(status: 400))
    }

    private func attempt() {
        guard !closed else { return }
        guard position < plan.count else { return }
        let index = plan[position]
        let target = pool.targets[index]
        attemptStartedMs = loop.currentTimeMs()
        if position > 0 || pool.isCoolingDown(index) {
            log.info("trying provider", [("target", target.endpoint.label), ("attempt", String(position + 1)),
                                         ("of", String(plan.count))])
        }
        guard target.usesManagedIdentity, let tokens = pool.tokens else {
            client = RealtimeClient.connect(target.endpoint, loop: loop, tls: tls, timeoutMs: timeoutMs, delegate: self)
            return
        }
        tokens.token(nowMs: loop.now) { [weak self] result in
            guard let self, !self.closed else { return }
            switch result {
            case .success(let token):
                self.client = RealtimeClient.connect(target.endpoint.authorized(bearer: token), loop: self.loop, tls: self.tls,
                                                     timeoutMs: self.timeoutMs, delegate: self)
            case .failure(let error):
                // No token means no Azure target can work: the identity is a configuration matter.
                self.failed(index, .failed(error.message), failure: .configuration(status: 0))
            }
        }
    }

    public func realtimeDidOpen(_ client: RealtimeClient) {
        guard !closed, client === self.client else { return }
        let index = plan[position]
        openedTarget = index
        pool.recordSuccess(index, position: isReconnect ? nil : position)
        if pool.targets[index].isFallback {
            log.warning("every Azure deployment failed; this call uses the OpenAI fallback", [("target", pool.targets[index].endpoint.label)])
        }
        delegate?.providerFailover(self, didOpen: client)
    }

    public func realtime(_ client: RealtimeClient, didReceive event: UnsafeRawBufferPointer) {}

    public func realtime(_ client: RealtimeClient, didCloseWith reason: RealtimeCloseReason) {
        guard !closed, client === self.client else { return }
        if case .closedByUs = reason { return }
        let index = plan[position]
        failed(index, reason, failure: ProviderPool.Failure.classify(reason))
    }

    /// One target failed: log it, record it, try the next, or report the last reason.
    private func failed(_ index: Int, _ reason: RealtimeCloseReason, failure: ProviderPool.Failure) {
        pool.recordFailure(index, failure)
        if case .refused(401, _) = reason, pool.targets[index].usesManagedIdentity { pool.tokens?.invalidate() }
        let target = pool.targets[index]
        position += 1
        let last = position >= plan.count
        var fields = [("target", target.endpoint.label), ("error", reason.description),
                      ("elapsed_ms", String(loop.currentTimeMs() - attemptStartedMs))]
        if case .configuration(let status) = failure {
            fields.append(("hint", status == 0 ? "check the managed identity (AZURE_OPENAI_AUTH=managed-identity)"
                                             : ProviderHint.forStatus(status, provider: target.endpoint.provider)))
            fields.append(("cooldown_s", String(pool.cooldownMs / 1000)))
            log.error("provider configuration error; skipping this target for the cool-down", fields)
        } else if !last {
            log.warning("provider unavailable; trying the next", fields)
        }
        guard last else {
            attempt()
            return
        }
        if isReconnect { pool.recordReconnect(ok: false) } else { pool.recordUnavailable() }
        delegate?.providerFailover(self, didFailWith: reason)
    }
}

/// Hears how a `ProviderFailover` ended, on the loop thread, once.
public protocol ProviderFailoverDelegate: AnyObject {
    /// A target opened `client`; make yourself its delegate now.
    func providerFailover(_ failover: ProviderFailover, didOpen client: RealtimeClient)
    /// Every target failed; `reason` is the last one's.
    func providerFailover(_ failover: ProviderFailover, didFailWith reason: RealtimeCloseReason)
}

@available(*, unavailable)
extension ProviderFailover: Sendable {}
