import Calls
import Config
import Events
import Foundation
import Logging
import MCP
import Net
import Realtime
import Tools
import Twilio

/// One more event-loop thread that carries calls (`EVENT_LOOPS` > 1). Its calls' context is loop
/// 0's, with what is bound to a loop made again on this one: the tools and their HTTP clients,
/// the MCP servers' sessions, the provider rotation (and its managed-identity tokens), Twilio's
/// REST client for transfers. What the calls report — call events, the console's bus — is handed
/// to loop 0, which owns it; metrics, the gate, outbound records and transferred conversations
/// are shared (each guards itself).
final class WorkerLoop {
    /// What a worker is built from, made on loop 0 and handed to the worker's thread, which is
    /// the only one to use it from then on (see `HandedOver`).
    struct Pieces {
        var index: Int
        var base: CallContext
        var settings: Settings
        var outbound: OutboundSettings
        var transfers: TransferTwiML?
        var httpTools: [HTTPToolDefinition]
        var toolBoard: ToolBoard
        var agentConfigs: [AgentConfig]?
        var delivery: EventDelivery?
        var watch: CallWatch?
        var outboundRecords: OutboundCallRecords
        var log: Logger
    }

    private let handle: LoopHandle
    /// Used on the worker's thread only.
    private let state: HandedOver<State>

    private final class State {
        var manager: CallManager?
        var base: CallContext?
        var settings: Settings?
        var forwarded: ForwardedTools?
        var log = Logger()
    }

    private init(handle: LoopHandle, state: State) {
        self.handle = handle
        self.state = HandedOver(state)
    }

    /// Starts the worker's thread and returns once its loop has joined `loops` (so that loop
    /// indices follow the order of starts); throws when the loop could not be made.
    static func start(_ pieces: Pieces, home: LoopHandle, loops: CallLoops) throws -> WorkerLoop {
        let ready = DispatchSemaphore(value: 0)
        let outcome = Outcome()
        let moved = HandedOver(pieces)
        let thread = Thread {
            let state = State()
            let loop: EventLoop
            do {
                loop = try EventLoop(wakePolicy: LoopWakePolicy(tickUs: Int64(moved.value.settings.loopTickUs)))
            } catch {
                outcome.set(.failure(error))
                ready.signal()
                return
            }
            build(moved.value, loop: loop, home: home, loops: loops, into: state)
            outcome.set(.success(WorkerLoop(handle: loop.handle, state: state)))
            ready.signal()
            loop.run()
        }
        thread.name = "loop-\(pieces.index)"
        thread.stackSize = 8 << 20
        thread.start()
        ready.wait()
        return try outcome.get()
    }

    /// The worker's calls' context and manager, made on its thread.
    private static func build(_ pieces: Pieces, loop: EventLoop, home: LoopHandle, loops: CallLoops, into state: State) {
        let settings = pieces.settings, log = pieces.log
        var context = pieces.base
        context.logger = log.with("loop", String(pieces.index))
        context.sessionFields = SessionFieldMemory()
        let forwarded = ForwardedTools(board: pieces.toolBoard, here: loop.handle)
        let tools = Wiring.tools(for: settings, loop: loop, http: pieces.httpTools, forwarded: forwarded)
        context.tools = tools
        context.sessionOptions.tools = tools.definitions
        // Its own rotation (and managed-identity token source) on this loop; the rest of the
        // provider settings (timeouts, reconnect prompt) came with loop 0's context.
        context.providers = Wiring.providerPool(for: settings)
        context.providers.shareHealth(with: pieces.base.providers)
        context.providers.tokens = Wiring.identityTokens(for: settings, loop: loop)
        if let twiml = pieces.transfers, let callsURL = pieces.outbound.callsURL, let authorization = pieces.outbound.basicAuthorization {
            context.transferCall = Wiring.transferCall(twiml, callsURL: callsURL, authorization: authorization, settings: settings, loop: loop)
        }
        if let delivery = pieces.delivery { Wiring.sendCallEvents(&context, to: delivery, on: home) }
        context.watch = pieces.watch
        let manager = CallManager(context: context, loop: loop)
        manager.outboundRecords = pieces.outboundRecords
        do {
            manager.agents = try pieces.agentConfigs.map { try Wiring.agents($0, base: context, settings: settings, loop: loop, log: log) }
        } catch {
            // Loop 0 read the same files a moment ago; one changed since. This loop's calls get
            // the environment's agent until a reload (SIGHUP) fixes it.
            log.error("an agent file could not be read again for an event loop; its calls use the environment's agent until SIGHUP",
                      [("loop", String(pieces.index)), ("error", String(describing: error))])
        }
        Wiring.watchLoopLag(loop, metrics: context.metrics, log: context.logger)
        loops.join(manager, on: loop)
        state.manager = manager
        state.forwarded = forwarded
        state.base = context
        state.settings = settings
        state.log = context.logger
    }

    /// Reloads agents and tools on the worker's loop (SIGHUP; loop 0 counts the reload).
    func reload(secrets: [String]) {
        let state = self.state
        handle.execute { (loop: EventLoop) in
            let state = state.value
            guard let manager = state.manager, let base = state.base, let settings = state.settings else { return }
            Wiring.reloadConfiguration(manager, base: base, settings: settings, loop: loop, log: state.log, secrets: secrets,
                                       counts: false, forwarded: state.forwarded)
        }
    }

    /// Ends the worker's loop (after a drain).
    func stop() {
        handle.execute { (loop: EventLoop) in loop.stop() }
    }

    /// The worker handed from its thread to the starting one.
    private final class Outcome: @unchecked Sendable {
        private let lock = NSLock()
        private var result: Result<WorkerLoop, Error>?
        func set(_ result: Result<WorkerLoop, Error>) { lock.withLock { self.result = result } }
        func get() throws -> WorkerLoop {
            guard let result = lock.withLock({ self.result }) else { throw NetError("the event-loop thread did not start") }
            return try result.get()
        }
    }
}
