import Logging
import JSON
import Realtime
import Testing
import Tools
@testable import Calls

@Suite struct CallPlaybackTests {
    @Test func estimate_queuesAudioBackToBack_at8000BytesASecond() {
        var playback = CallPlayback()
        playback.sent(bytes: 1_600, nowMs: 1_000)
        #expect(playback.remainingMs(nowMs: 1_000) == 200)
        playback.sent(bytes: 800, nowMs: 1_100)  // queued behind the first
        #expect(playback.playedOutAtMs == 1_300)
        playback.sent(bytes: 8_000, nowMs: 5_000)  // after a silence
        #expect(playback.remainingMs(nowMs: 5_000) == 1_000)
        #expect(playback.remainingMs(nowMs: 9_000) == 0)
    }
}
