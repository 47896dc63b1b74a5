import Base64
import Testing
@testable import Calls

@Suite struct CallerAudioQueueTests {
    /// A Twilio frame: 160 μ-law bytes of `byte`, base64 (it ends in padding).
    func frame(_ byte: UInt8) -> String { [UInt8](repeating: byte, count: 160).withUnsafeBytes { Base64.encode($0) } }

    @Test func atTheDefault_eachFrameIsForwardedAsItCame() {
        var q = CallerAudioQueue(batchMs: 20, maxHeldBytes: 1_000)
        #expect(q.forward(frame(1)) == frame(1))
    }

    @Test func batches_joinTheBytes_andEncodeOncePerChunk() {
        var q = CallerAudioQueue(batchMs: 60, maxHeldBytes: 1_000)
        #expect(q.forward(frame(1)) == nil)
        #expect(q.forward(frame(2)) == nil)
        let chunk = q.forward(frame(3))
        let expected = ([UInt8](repeating: 1, count: 160) + [UInt8](repeating: 2, count: 160) + [UInt8](repeating: 3, count: 160))
            .withUnsafeBytes { Base64.encode($0) }
        #expect(chunk == expected)
        #expect(q.forward(frame(4)) == nil, "a new chunk starts")
    }

    @Test func held_keepsTheOrder_aChunkInProgressFirst_andDropsTheOldestPastTheBound() {
        var q = CallerAudioQueue(batchMs: 60, maxHeldBytes: 3 * frame(0).utf8.count)
        #expect(q.forward(frame(1)) == nil)  // a chunk in progress when the session drops
        q.hold(frame(2))
        #expect(q.release() == [frame(1), frame(2)])
        for byte in UInt8(3)...UInt8(7) { q.hold(frame(byte)) }
        #expect(q.droppedWhileHeld == 2)
        #expect(q.release() == [frame(5), frame(6), frame(7)])
        #expect(q.release().isEmpty)
    }
}
