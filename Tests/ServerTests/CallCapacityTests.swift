@testable import Server
import Testing
@testable import Calls

@Suite struct CallCapacityTests {
    @Test func default_isTheTightestLimit_andNamesIt() {
        let mb = 1 << 20
        let roomy = CallCapacity.defaultMaxCalls(fileLimit: 1 << 20, memoryBytes: 64 << 30, perCallBytes: 2 * mb)
        #expect(roomy.calls == CallCapacity.perLoopThread)
        #expect(roomy.reason.contains("event-loop"))
        let fds = CallCapacity.defaultMaxCalls(fileLimit: 256, memoryBytes: 64 << 30, perCallBytes: 2 * mb)
        #expect(fds.calls == (256 - 64) / 3)
        #expect(fds.reason.contains("256"))
        let memory = CallCapacity.defaultMaxCalls(fileLimit: 1 << 20, memoryBytes: 256 * mb, perCallBytes: 2 * mb)
        #expect(memory.calls == 64)
        #expect(memory.reason.contains("256 MiB"))
        #expect(CallCapacity.defaultMaxCalls(fileLimit: 10, memoryBytes: 1, perCallBytes: 2 * mb).calls == 1)
    }

    @Test func machine_reportsAFileLimitAndMemory() {
        #expect(CallCapacity.raiseFileLimit() >= 64)
        #expect((CallCapacity.memoryLimitBytes() ?? 0) > 1 << 20)
    }
}
