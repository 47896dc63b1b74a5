import Calls
import Providers
import Config
import Net
import Realtime

/// `voice-bridge check`: a pre-flight of everything a call needs, one line per step.
///
/// For each provider target of the pool: DNS, TCP + TLS (through the proxy when one applies),
/// the WebSocket upgrade, then `session.update` answered by `session.updated`; the managed
/// identity's token when Azure uses one; then `PUBLIC_URL` (a public host with a trusted
/// certificate) and the TwiML the bridge would serve. Steps run one after another on `loop`.
public final class Preflight {
    /// One asynchronous step: it emits its lines, then calls `done`.
    public typealias Step = (_ done: @escaping () -> Void) -> Void

    let settings: Settings
    let context: CallContext
    let loop: EventLoop
    private let output: (PreflightLine) -> Void
    private var steps: [Step] = []
    private var activeProbe: ProviderProbe?
    /// Every line emitted so far.
    public private(set) var lines: [PreflightLine] = []

    /// A pre-flight of `settings`, with calls configured as in `context` (pool, TLS, timeout).
    /// `output` hears each line as it is decided.
    public init(settings: Settings, context: CallContext, loop: EventLoop, output: @escaping (PreflightLine) -> Void) {
        self.settings = settings
        self.context = context
        self.loop = loop
        self.output = output
    }

    /// Whether every step passed (skipped steps do not count against it).
    public var passed: Bool { !lines.contains { $0.result == .failed } }

    /// Adds a step after the built-in ones (the executable wires checks of other modules).
    public func append(_ step: @escaping Step) { steps.append(step) }

    /// One line per OpenAI model of the pool that `deprecations` lists: a warning before its
    /// shutdown date, a failure after it (`today` is `YYYY-MM-DD`, UTC).
    public func modelLines(_ deprecations: ModelDeprecations, today: String) -> [PreflightLine] {
        var seen: Set<String> = []
        var lines: [PreflightLine] = []
        for endpoint in context.providers.targets.map(\.endpoint) where endpoint.provider == "openai" && seen.insert(endpoint.model).inserted {
            switch deprecations.verdict(for: endpoint.model, today: today) {
            case .current:
                lines.append(PreflightLine(.passed, "model \(endpoint.model)", "deprecations", "no shutdown announced"))
            case .deprecated(let entry):
                lines.append(PreflightLine(.warning, "model \(endpoint.model)", "deprecations", "shuts down on \(entry.shutdown)",
                                           fix: "set OPENAI_REALTIME_MODEL=\(entry.replacement) before then"))
            case .shutDown(let entry):
                lines.append(PreflightLine(.failed, "model \(endpoint.model)", "deprecations", "shut down on \(entry.shutdown): handshakes are refused",
                                           fix: "set OPENAI_REALTIME_MODEL=\(entry.replacement)"))
            }
        }
        return lines
    }

    /// Records and prints one line.
    public func emit(_ line: PreflightLine) {
        lines.append(line)
        output(line)
    }

    /// Runs every step in order; `completion` gets `passed`.
    public func run(completion: @escaping (Bool) -> Void) {
        emit(PreflightLine(.passed, "configuration", "valid", configurationSummary))
        var all: [Step] = []
        if context.providers.targets.contains(where: \.usesManagedIdentity) { all.append(checkManagedIdentity) }
        for index in context.providers.targets.indices {
            all.append { [unowned self] done in
                // The probe is the weak delegate of its client: hold it until it is done.
                let probe = ProviderProbe(preflight: self, target: self.context.providers.targets[index]) { [unowned self] in
                    self.activeProbe = nil
                    done()
                }
                self.activeProbe = probe
                probe.start()
            }
        }
        all.append(checkPublicURL)
        all += steps
        runSteps(all[...], completion: completion)
    }

    private func runSteps(_ remaining: ArraySlice<Step>, completion: @escaping (Bool) -> Void) {
        guard let step = remaining.first else {
            completion(passed)
            return
        }
        step { [unowned self] in
            // Each step ends on its own stack frame, so long chains never nest.
            self.loop.afterCurrentEvents { self.runSteps(remaining.dropFirst(), completion: completion) }
        }
    }

    private var configurationSummary: String {
        let pool = context.providers
        var parts = ["provider \(settings.provider.name)"]
        let primaries = pool.targets.filter { !$0.isFallback }
        if settings.provider == .azure {
            parts.append("\(primaries.count) deployment target\(primaries.count == 1 ? "" : "s")")
            parts.append("auth \(settings.providers.azureAuth.rawValue)")
            parts.append(pool.targets.contains(where: \.isFallback) ? "fallback to OpenAI" : "no fallback")
        }
        if let proxy = settings.providers.proxy { parts.append("proxy \(proxy.host):\(proxy.port)") }
        if settings.live.api == .live {
            let search = settings.live.webSearch(tavily: settings.tavilyAPIKey != nil)
            parts.append("GPT-Live (backend \(settings.live.backendModel), web search \(search.rawValue))")
        }
        return parts.joined(separator: ", ")
    }

    /// The managed identity hands out a token.
    private func checkManagedIdentity(_ done: @escaping () -> Void) {
        guard let tokens = context.providers.tokens else {
            emit(PreflightLine(.failed, "managed identity", "token", "no token source is configured",
                               fix: "this build cannot fetch managed-identity tokens; use AZURE_OPENAI_AUTH=api-key"))
            done()
            return
        }
        let started = loop.currentTimeMs()
        tokens.token(nowMs: loop.currentTimeMs()) { [unowned self] result in
            let elapsed = loop.currentTimeMs() - started
            switch result {
            case .success:
                self.emit(PreflightLine(.passed, "managed identity", "token", "from the \(tokens.sourceDescription)", elapsedMs: elapsed))
            case .failure(let error):
                self.emit(PreflightLine(.failed, "managed identity", "token", error.message,
                                        fix: "run on a VM or App Service with a managed identity that has the "
                                            + "'Cognitive Services OpenAI User' role, or set AZURE_OPENAI_AUTH=api-key",
                                        elapsedMs: elapsed))
            }
            done()
        }
    }
}

@available(*, unavailable)
extension Preflight: Sendable {}
