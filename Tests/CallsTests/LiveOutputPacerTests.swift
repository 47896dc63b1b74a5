import Testing
@testable import Calls

@Suite struct LiveOutputPacerTests {
    @Test func atRealTimePace_deltasPassThrough() {
        let p = LiveOutputPacer(maxQueuedMs: 100)
        #expect(p.passesThrough(ms: 20, queuedAtTwilioMs: 20))
        #expect(p.passesThrough(ms: 20, queuedAtTwilioMs: 80))
        #expect(!p.passesThrough(ms: 20, queuedAtTwilioMs: 90), "past the bound")
    }

    @Test func aBurst_isReleasedInWholeFrames_asTwilioPlays() {
        var p = LiveOutputPacer(maxQueuedMs: 100)
        p.hold([UInt8](repeating: 1, count: 8_000))  // one second at once
        #expect(p.heldMs == 1_000 && p.mostHeldMs == 1_000)
        #expect(!p.passesThrough(ms: 20, queuedAtTwilioMs: 0), "audio waits here: the order holds")
        #expect(p.release(queuedAtTwilioMs: 0).count == 800, "100 ms: the bound")
        #expect(p.release(queuedAtTwilioMs: 100).isEmpty, "Twilio is full")
        #expect(p.release(queuedAtTwilioMs: 75).count == 160, "room for one whole frame")
        var total = 960
        var queued: Int64 = 100
        while !p.isEmpty {
            queued -= 20  // 20 ms played between pumps
            let out = p.release(queuedAtTwilioMs: queued)
            total += out.count
            queued += Int64(out.count / 8)
            #expect(queued <= 100)
        }
        #expect(total == 8_000)
    }

    @Test func aShortTail_leavesWhenItFits() {
        var p = LiveOutputPacer(maxQueuedMs: 100)
        p.hold([UInt8](repeating: 2, count: 100))  // 12.5 ms, less than a frame
        #expect(p.release(queuedAtTwilioMs: 95).isEmpty)
        #expect(p.release(queuedAtTwilioMs: 50).count == 100)
        p.hold([UInt8](repeating: 3, count: 400))
        p.discard()
        #expect(p.isEmpty)
    }
}
