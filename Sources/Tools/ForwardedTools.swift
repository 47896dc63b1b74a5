import Foundation
import JSON
import Net

/// Tools that run on another event loop, offered to the calls of this one (`EVENT_LOOPS` > 1):
/// the MCP servers' tools keep one session per server, on loop 0, whichever loop a call is on.
///
/// Loop 0 publishes the tools it offers (`ToolBoard.publish`); a worker's registry offers
/// forwarding copies (`ForwardedTools.tools`): a call is handed to loop 0, runs there, and its
/// result comes back to the worker's loop; a cancel follows the same way.
public final class ToolBoard: @unchecked Sendable {
    struct Offer: Sendable {
        var name: String
        var description: String
        var parameters: JSON
    }

    private let lock = NSLock()
    private var offers: [Offer] = []
    /// The tools as loop 0 has them; called on loop 0 only.
    private var source: () -> [Tool]
    /// Loop 0's handle.
    let home: LoopHandle

    /// A board for `source`'s tools, which live on `home`'s loop. Call on that loop.
    public init(home: LoopHandle, source: @escaping () -> [Tool]) {
        self.home = home
        self.source = source
        publish()
    }

    /// Takes the tools offered now (call on loop 0: after a discovery, a change, a reload).
    public func publish(from newSource: (() -> [Tool])? = nil) {
        if let newSource { source = newSource }
        let list = source().map { Offer(name: $0.name, description: $0.description, parameters: $0.parameters) }
        lock.withLock { offers = list }
    }

    var published: [Offer] { lock.withLock { offers } }

    /// Runs the call on loop 0 with the tool of that name now (on loop 0's thread).
    func run(_ call: ToolCall, completion: @escaping (ToolResult) -> Void) -> ToolTask? {
        guard let tool = source().first(where: { $0.name == call.name }) else { return nil }
        return tool.handler(call, completion)
    }
}

/// A worker loop's view of a `ToolBoard`: its tools, forwarded to loop 0 and answered here.
public struct ForwardedTools {
    let board: ToolBoard
    let here: LoopHandle

    /// The board's tools for the calls of the loop `here` is the handle of.
    public init(board: ToolBoard, here: LoopHandle) {
        self.board = board
        self.here = here
    }

    /// Forwarding tools, one per tool the board offers now.
    public var tools: [Tool] {
        let board = self.board, here = self.here
        return board.published.map { offer in
            Tool(name: offer.name, description: offer.description, parameters: offer.parameters) { call, completion in
                // The completion belongs to this loop: it runs only here, posted back, and not
                // once the call was cancelled here (an answer may cross the cancel).
                let answer = HandedOver(Answer(completion))
                let remote = RemoteTask()
                board.home.execute {
                    guard !remote.cancelled else { return }
                    let task = board.run(call) { result in here.execute { answer.value.give(result) } }
                    if let task { remote.task = HandedOver(task) } else {
                        let missing = ToolResult(output: "The tool \(call.name) is no longer available. Tell the caller you cannot do that right now.",
                                                 outcome: "unavailable")
                        here.execute { answer.value.give(missing) }
                    }
                }
                return ToolTask {
                    answer.value.completion = nil
                    board.home.execute {
                        remote.cancelled = true
                        remote.task?.value.cancel()
                    }
                }
            }
        }
    }

    /// Adds the board's tools to `registry` as a source (the list may change).
    public func register(in registry: inout ToolRegistry) {
        let forwarded = self
        registry.register(source: { forwarded.tools })
    }
}

/// A forwarded call's completion on the caller's loop; touched only there.
private final class Answer {
    var completion: ((ToolResult) -> Void)?
    init(_ completion: @escaping (ToolResult) -> Void) { self.completion = completion }
    func give(_ result: ToolResult) {
        let deliver = completion
        completion = nil
        deliver?(result)
    }
}

/// A forwarded call's task on loop 0; touched only there.
private final class RemoteTask: @unchecked Sendable {
    var cancelled = false
    var task: HandedOver<ToolTask>?
}
