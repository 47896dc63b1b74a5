import Foundation
import Glibc
import JSON
import Net
import NetTestSupport
import Testing
@testable import Tools

/// Tools of loop 0 (an MCP server's session) called from another loop: the call runs on loop 0's
/// thread, the answer comes back on the caller's, and a cancel reaches the running tool.
@Suite(.serialized) struct ForwardedToolsTests {
    /// Loop 0 on a thread of its own, with a board of tools that record where they ran.
    final class Home: @unchecked Sendable {
        private var loop: LoopThread!
        private(set) var board: ToolBoard! = nil
        private let lock = NSLock()
        private var ranOn: [UInt] = []
        private var cancels = 0

        init(answerAfterMs: Int64) {
            nonisolated(unsafe) weak var home: Home?
            var made: HandedOver<ToolBoard>?
            loop = LoopThread(setUp: { loop in
                let lookup = Tool(name: "lookup_order", description: "Looks up an order.", parameters: ["type": "object"]) { call, completion in
                    home?.ran()
                    let timer = loop.schedule(afterMs: answerAfterMs) { completion(ToolResult(output: "order \(call.arguments) shipped")) }
                    return ToolTask { timer.cancel(); home?.cancelled() }
                }
                return ToolBoard(home: loop.handle, source: { [lookup] })
            }, made: { made = $0 })
            board = made!.value  // a Sendable board: read from any thread
            home = self
        }

        var handle: LoopHandle { loop.handle }
        var threadID: UInt { loop.threadID }
        func ran() { lock.withLock { ranOn.append(UInt(pthread_self())) } }
        func cancelled() { lock.withLock { cancels += 1 } }
        var threads: [UInt] { lock.withLock { ranOn } }
        var cancelCount: Int { lock.withLock { cancels } }
        func stop() { loop.stop() }
    }

    @Test func aForwardedCall_runsOnLoop0_andIsAnsweredOnTheCallersLoop() throws {
        let home = Home(answerAfterMs: 5)
        defer { home.stop() }
        let loop = try EventLoop()
        let forwarded = ForwardedTools(board: home.board, here: loop.handle)
        var registry = ToolRegistry([])
        forwarded.register(in: &registry)
        #expect(registry.names == ["lookup_order"], "the board's tools are offered with their names")
        #expect(registry.definitions.first?["description"]?.stringValue == "Looks up an order.")
        var answer: String?
        var answeredOn: UInt?
        _ = registry.run(ToolCall(name: "lookup_order", callId: "c1", arguments: "42")) { result in
            answer = result.output
            answeredOn = UInt(pthread_self())
        }
        #expect(loop.run(until: { answer != nil }, timeoutMs: 3_000))
        #expect(answer == "order 42 shipped")
        #expect(home.threads == [home.threadID], "the tool ran on loop 0's thread")
        #expect(answeredOn == UInt(pthread_self()), "its answer came back on the caller's loop")
    }

    @Test func aCancel_reachesTheToolOnLoop0_andNoAnswerFollows() throws {
        let home = Home(answerAfterMs: 300)
        defer { home.stop() }
        let loop = try EventLoop()
        let tool = try #require(ForwardedTools(board: home.board, here: loop.handle).tools.first)
        var answered = false
        let task = tool.handler(ToolCall(name: "lookup_order", callId: "c2", arguments: "7")) { _ in answered = true }
        #expect(loop.run(until: { home.threads.count == 1 }, timeoutMs: 3_000))
        task.cancel()
        #expect(loop.run(until: { home.cancelCount == 1 }, timeoutMs: 3_000), "the running tool was cancelled on loop 0")
        loop.run(forMs: 400)
        #expect(!answered)
    }

    @Test func aToolGoneFromTheBoard_isAnsweredAsUnavailable() throws {
        let home = Home(answerAfterMs: 1)
        defer { home.stop() }
        let loop = try EventLoop()
        let tool = try #require(ForwardedTools(board: home.board, here: loop.handle).tools.first)
        let board: ToolBoard = home.board
        home.handle.execute { board.publish(from: { [] }) }
        var result: ToolResult?
        _ = tool.handler(ToolCall(name: "lookup_order", callId: "c3", arguments: "{}")) { result = $0 }
        #expect(loop.run(until: { result != nil }, timeoutMs: 3_000))
        #expect(result?.outcome == "unavailable")
    }
}
