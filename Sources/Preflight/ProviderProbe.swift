import Calls
import Providers
import JSON
import Live
import Net
import Realtime
import WebSocket

/// `voice-bridge check` for one provider target: DNS, TCP + TLS, the WebSocket upgrade, and
/// `session.update` → `session.updated` (GPT-Live: `session.start` → `session.started`, with
/// the audio format the service resolved), each its own line; the first failure ends the probe.
final class ProviderProbe: ConnectionDelegate, RealtimeClientDelegate {
    private let preflight: Preflight
    private let target: ProviderPool.Target
    private let done: () -> Void
    private let subject: String
    private var stepStarted: Int64 = 0
    private var connection: Connection?
    private var client: RealtimeClient?
    private var timer: LoopTimer?
    private var negotiation: SessionNegotiation?
    private var liveStart: LiveStart?
    private var finished = false
    private var url: WSURL?

    init(preflight: Preflight, target: ProviderPool.Target, done: @escaping () -> Void) {
        self.preflight = preflight
        self.target = target
        self.done = done
        subject = target.endpoint.label + (target.isFallback ? " (fallback)" : "")
    }

    private var loop: EventLoop { preflight.loop }
    private var timeoutMs: Int64 { preflight.context.providerConnectTimeoutMs }
    private var elapsed: Int64 { loop.currentTimeMs() - stepStarted }

    /// The variable a person edits to change this target's address.
    private var addressVariable: String {
        switch target.endpoint.provider {
        case "azure": return "AZURE_OPENAI_ENDPOINT(S)"
        default: return "OPENAI_BASE_URL"
        }
    }

    func start() {
        guard target.endpoint.provider != "local" else {
            preflight.emit(PreflightLine(.skipped, subject, "built in", "no network: the local parrot answers every call; set OPENAI_API_KEY or USE_AZURE_OPENAI=true for a real model"))
            done()
            return
        }
        do {
            url = try WSURL(target.endpoint.url)
        } catch {
            fail("URL", String(describing: error), fix: "check \(addressVariable)")
            return
        }
        resolve()
    }

    // MARK: DNS

    private func resolve() {
        guard let url else { return }
        let proxy = target.endpoint.proxy
        let host = proxy?.host ?? url.host
        stepStarted = loop.currentTimeMs()
        let step = proxy == nil ? "DNS" : "DNS (proxy)"
        Resolver.resolve(host: host, port: proxy?.port ?? url.port, on: loop) { [self] result in
            switch result {
            case .success(let addresses):
                let shown = addresses.prefix(3).map(Preflight.addressText)
                pass(step, "\(host) → \(shown.joined(separator: ", "))")
                connectTLS()
            case .failure(let error):
                fail(step, error.message, fix: proxy == nil
                     ? "check the host in \(addressVariable); a private endpoint must resolve to its private address from this machine"
                     : "check the proxy host in HTTPS_PROXY")
            }
        }
    }

    // MARK: TCP + TLS

    private func connectTLS() {
        guard let url else { return }
        stepStarted = loop.currentTimeMs()
        connection = Connection.connect(host: url.host, port: url.port, tls: url.isSecure ? preflight.context.tls : nil,
                                        loop: loop, timeoutMs: timeoutMs, proxy: target.endpoint.proxy, delegate: self)
    }

    private var tlsStep: String {
        let secure = url?.isSecure ?? true
        return (secure ? "TLS" : "TCP") + (target.endpoint.proxy == nil ? "" : " via proxy")
    }

    func connectionDidOpen(_ connection: Connection) {
        guard let url else { return }
        pass(tlsStep, url.isSecure ? "\(url.host):\(url.port), certificate verified" : "\(url.host):\(url.port) (no TLS: loopback only)")
        self.connection = nil
        connection.close()
        upgrade()
    }

    func connection(_ connection: Connection, didRead bytes: UnsafeRawBufferPointer) {}

    func connection(_ connection: Connection, didCloseWith error: NetError?) {
        guard self.connection === connection else { return }
        self.connection = nil
        let message = error?.message ?? "closed by the peer"
        var fix = "check the host and port in \(addressVariable), firewalls and private endpoint network rules"
        if message.contains("certificate") {
            fix = "the certificate does not match or is not trusted: check the host in \(addressVariable), or SSL_CERT_FILE/SSL_CERT_DIR for a private CA"
        } else if message.contains("timed out") {
            fix = "no answer within PROVIDER_CONNECT_TIMEOUT_MS=\(timeoutMs); check network rules, HTTPS_PROXY and NO_PROXY"
        } else if message.contains("proxy") {
            fix = "check HTTPS_PROXY (and its credentials) or add the host to NO_PROXY"
        }
        fail(tlsStep, message, fix: fix)
    }

    // MARK: WebSocket upgrade and session

    private func upgrade() {
        stepStarted = loop.currentTimeMs()
        guard target.usesManagedIdentity, let tokens = preflight.context.providers.tokens else {
            client = RealtimeClient.connect(target.endpoint, loop: loop, tls: preflight.context.tls, timeoutMs: timeoutMs, delegate: self)
            return
        }
        tokens.token(nowMs: loop.currentTimeMs()) { [self] result in
            switch result {
            case .success(let token):
                client = RealtimeClient.connect(target.endpoint.authorized(bearer: token), loop: loop, tls: preflight.context.tls,
                                                timeoutMs: timeoutMs, delegate: self)
            case .failure(let error):
                fail("WebSocket upgrade", "no managed identity token: \(error.message)", fix: "see the managed identity line above")
            }
        }
    }

    func realtimeDidOpen(_ client: RealtimeClient) {
        if target.endpoint.api == .live {
            liveOpened(client)
            return
        }
        pass("WebSocket upgrade", "HTTP 101, \(target.endpoint.dialect == .ga ? "GA" : "preview (beta)") interface")
        stepStarted = loop.currentTimeMs()
        var negotiation = preflight.context.negotiation(for: target.endpoint)
        let first = negotiation.start()
        self.negotiation = negotiation
        negotiated(first, on: client)
        timer = loop.schedule(afterMs: max(timeoutMs, 5_000)) { [weak self] in
            self?.fail("session.update", "no session.updated within \(max(self?.timeoutMs ?? 0, 5_000)) ms",
                       fix: "the provider accepted the socket but did not configure the session; check that the deployment is a realtime model")
        }
    }

    func realtime(_ client: RealtimeClient, didReceive event: UnsafeRawBufferPointer) {
        if liveStart != nil {
            liveReceived(event, on: client)
            return
        }
        guard !finished, let decoded = try? RealtimeServerEvent.decode(event) else { return }
        if var current = negotiation, let action = current.received(decoded) {
            negotiation = current
            negotiated(action, on: client)
            return
        }
        if case .error(_, let code, let message, let param, _) = decoded {
            let cause = "provider error \(code ?? "unknown")" + (param.map { " (\($0))" } ?? "") + ": \(message)"
            fail("session.update", cause, fix: "check VOICE, TURN_DETECTION and the VAD_* settings against what this model accepts")
        }
    }

    /// What the negotiation decided, as lines: which optional fields this target refused and
    /// what the bridge does about them (calls leave them out), or why it cannot carry a call.
    private func negotiated(_ action: SessionNegotiation.Action, on client: RealtimeClient) {
        switch action {
        case .send(let update, _):
            client.send(update)
        case .confirmed(let refused) where refused.isEmpty:
            pass("session.update", "session.updated, μ-law both ways")
            finish()
        case .confirmed(let refused):
            preflight.context.sessionFields.record(refused, for: target.endpoint.label)
            preflight.emit(PreflightLine(.warning, subject, "session.update",
                                         "session.updated, μ-law both ways, without \(refused.joined(separator: ", ")) (refused by the provider)",
                                         fix: "calls on this target leave them out; the audio is unaffected", elapsedMs: elapsed))
            finish()
        case .failOver(let reason):
            fail("session.update", reason, fix: "this target cannot carry calls (they fail over to the next); check the model or deployment and AZURE_API_VERSION, and report this line if they are right")
        }
    }

    // MARK: GPT-Live

    private func liveOpened(_ client: RealtimeClient) {
        pass("WebSocket upgrade", "HTTP 101, GPT-Live")
        stepStarted = loop.currentTimeMs()
        var start = LiveStart(config: preflight.context.liveConfig(for: target.endpoint))
        let first = start.start()
        liveStart = start
        liveAction(first, on: client)
        timer = loop.schedule(afterMs: max(timeoutMs, 5_000)) { [weak self] in
            self?.fail("session.start", "no session.started within \(max(self?.timeoutMs ?? 0, 5_000)) ms",
                       fix: "the service accepted the socket but did not start the session; check that the model or deployment is a GPT-Live one")
        }
    }

    private func liveReceived(_ event: UnsafeRawBufferPointer, on client: RealtimeClient) {
        guard !finished, let decoded = try? LiveServerEvent.decode(event), var start = liveStart,
              let action = start.received(decoded) else { return }
        liveStart = start
        liveAction(action, on: client)
    }

    private func liveAction(_ action: LiveStart.Action, on client: RealtimeClient) {
        switch action {
        case .send(let text):
            if !(liveStart?.refusedFormats.isEmpty ?? true) {
                preflight.emit(PreflightLine(.warning, subject, "session.start", "the service refused audio/pcmu; asking for audio/pcm at 24000 Hz",
                                             fix: "calls on this target resample μ-law both ways (a few µs per frame)", elapsedMs: elapsed))
            }
            client.send(text)
        case .started(let format):
            let resampled = format == .pcmu ? "μ-law passes through untouched" : "resampled by the bridge from and to μ-law"
            pass("session.start", "session.started, audio \(format.type) at \(format.rate) Hz: \(resampled)")
            client.send(LiveClientEvent.sessionClose())  // the probe's session bills by the second
            finish()
        case .failOver(let reason):
            fail("session.start", reason, fix: "this target cannot carry calls (they fail over to the next); check OPENAI_LIVE_MODEL or the deployment, and LIVE_BACKEND_MODEL")
        }
    }

    func realtime(_ client: RealtimeClient, didCloseWith reason: RealtimeCloseReason) {
        guard !finished else { return }
        switch reason {
        case .refused(let status, let body):
            fail("WebSocket upgrade", "HTTP \(status) \(Self.summary(ofBody: body))",
                 fix: ProviderHint.forStatus(status, provider: target.endpoint.provider))
        case .closedByUs:
            break
        default:
            fail(client.isOpen ? "session.update" : "WebSocket upgrade", reason.description,
                 fix: "check \(addressVariable) and that the provider speaks the Realtime API there")
        }
    }

    /// `DeploymentNotFound: The API deployment…` from an error body, else its first 200 characters.
    static func summary(ofBody body: String) -> String {
        if let json = try? JSON.parse(body), let error = json["error"] {
            let code = error["code"]?.stringValue ?? error["type"]?.stringValue
            let message = error["message"]?.stringValue ?? ""
            return [code, message].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ": ")
        }
        return String(body.prefix(200))
    }

    // MARK: Lines

    private func pass(_ step: String, _ detail: String) {
        preflight.emit(PreflightLine(.passed, subject, step, detail, elapsedMs: elapsed))
    }

    private func fail(_ step: String, _ cause: String, fix: String) {
        guard !finished else { return }
        preflight.emit(PreflightLine(.failed, subject, step, cause, fix: fix, elapsedMs: elapsed))
        finish()
    }

    private func finish() {
        guard !finished else { return }
        finished = true
        timer?.cancel()
        client?.close()
        connection?.close()
        done()
    }
}
