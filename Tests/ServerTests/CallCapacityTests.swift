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

    @Test func default_scalesWithTheEventLoops() {
        let two = CallCapacity.defaultMaxCalls(fileLimit: 1 << 20, memoryBytes: 64 << 30, perCallBytes: 1 << 20, loops: 2)
        #expect(two.calls == 2 * CallCapacity.perLoopThread)
        #expect(two.reason == "2 event-loop threads")
    }

    @Test func httpBudget_fitsTheDescriptors_andKeepsRoomForABurst() {
        #expect(CallCapacity.httpConnections(fileLimit: 1 << 20, maxCalls: 400, awaitingStart: 64) == 1_000)
        // A MAX_CALLS far above the descriptors (the bench's 100000) must not starve HTTP.
        #expect(CallCapacity.httpConnections(fileLimit: 20_000, maxCalls: 100_000, awaitingStart: 64) == 1_000)
        #expect(CallCapacity.httpConnections(fileLimit: 600, maxCalls: 100_000, awaitingStart: 64) == 128, "the floor")
        #expect(CallCapacity.httpConnections(fileLimit: 96, maxCalls: 1, awaitingStart: 4) < 96, "a tiny limit still fits")
    }

    @Test func cgroupQuota_isRoundedUpToWholeCPUs() {
        #expect(CallCapacity.quota(cpuMax: "max 100000") == nil, "no quota")
        #expect(CallCapacity.quota(cpuMax: "200000 100000") == 2)
        #expect(CallCapacity.quota(cpuMax: "150000 100000") == 2, "1.5 CPUs: two loops")
        #expect(CallCapacity.quota(cpuMax: "50000 100000") == 1)
        #expect(CallCapacity.quota(cpuMax: "garbage") == nil)
        #expect(CallCapacity.availableCPUs() >= 1)
    }

    @Test func machine_reportsAFileLimitAndMemory() {
        #expect(CallCapacity.raiseFileLimit() >= 64)
        #expect((CallCapacity.memoryLimitBytes() ?? 0) > 1 << 20)
    }
}
