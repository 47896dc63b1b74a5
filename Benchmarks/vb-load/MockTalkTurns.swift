import Base64
import Net
import WebSocket

/// One mock provider session in the `talk` shape: the caller speaks and the model answers, in
/// turns, about half of the time each, with the events the Realtime API (GA) sends around them.
///
/// Each turn (`turnMs` T, 2000 by default): the caller is heard for T–2T ms
/// (`input_audio_buffer.speech_started` a tenth in, `speech_stopped` at the end), then the model
/// answers with T–2T ms of audio: `response.created`,
/// then `response.output_audio.delta`s of 40–200 ms of μ-law each (in 20 ms steps), each with a
/// `response.output_audio_transcript.delta`, paced at real time, then `response.output_audio.done`
/// and `response.done`. The recorded api.openai.com traffic the project checks against holds no
/// audio delta (docs/SOURCES: "no real recording of an audio delta was found"), so these sizes and
/// the pacing are an assumption, chosen to spread the model's messages out (the costlier case for
/// wake-ups), not a measurement. Every draw comes from the run's seed and the session's number.
final class MockTalkTurns {
    private let session: Int
    private let socket: WSConnection
    private unowned let provider: MockProvider
    private var random: SeededRandom
    private var eventNumber = 0
    private var turn = 0
    private var timer: LoopTimer?
    private var output: [UInt8] = []
    /// Audio left in the current response, in milliseconds.
    private var remainingMs = 0
    private let turnMs: Int

    /// Base64 of μ-law silence, by length in 20 ms frames (2 to 10).
    private static let silence: [Int: [UInt8]] = {
        var table: [Int: [UInt8]] = [:]
        for frames in 2...10 {
            var out: [UInt8] = []
            [UInt8](repeating: 0xFF, count: frames * FrameTag.frameBytes).withUnsafeBytes { Base64.encode($0, appendingTo: &out) }
            table[frames] = out
        }
        return table
    }()

    init(session: Int, seed: UInt64, turnMs: Int, socket: WSConnection, provider: MockProvider) {
        self.session = session
        self.turnMs = max(100, turnMs)
        self.socket = socket
        self.provider = provider
        random = SeededRandom(seed: seed &+ UInt64(session) &* 0x9E37_79B9_7F4A_7C15)
    }

    /// Starts with the caller speaking.
    func start() { listen() }

    /// Cancels what is scheduled.
    func stop() {
        timer?.cancel()
        timer = nil
    }

    private func after(ms: Int, _ body: @escaping (MockTalkTurns) -> Void) {
        timer = provider.loop.schedule(afterMs: Int64(ms)) { [weak self] in
            guard let self, !self.provider.quiet else { return }
            body(self)
        }
    }

    private func send(_ text: String) {
        eventNumber += 1
        socket.sendText(text.replacingOccurrences(of: "EVENT", with: "event_mock\(session)_\(eventNumber)"))
    }

    private var responseId: String { "resp_mock\(session)_\(turn)" }
    private var itemId: String { "item_mock\(session)_\(turn)" }

    private func listen() {
        let ms = Int.random(in: turnMs...(2 * turnMs), using: &random)
        after(ms: ms / 10) { me in
            me.send(#"{"type":"input_audio_buffer.speech_started","event_id":"EVENT","audio_start_ms":0,"item_id":"item_user\#(me.session)_\#(me.turn)"}"#)
            me.after(ms: ms - ms / 10) { me in
                me.send(#"{"type":"input_audio_buffer.speech_stopped","event_id":"EVENT","audio_end_ms":\#(ms),"item_id":"item_user\#(me.session)_\#(me.turn)"}"#)
                me.speak()
            }
        }
    }

    private func speak() {
        turn += 1
        provider.turnsSpoken += 1
        remainingMs = Int.random(in: (turnMs / 20)...(turnMs / 10), using: &random) * 20
        send(#"{"type":"response.created","event_id":"EVENT","response":{"object":"realtime.response","id":"\#(responseId)","status":"in_progress","status_details":null,"output":[],"conversation_id":"conv_mock\#(session)","output_modalities":["audio"],"max_output_tokens":"inf","audio":{"output":{"format":{"type":"audio/pcmu"},"voice":"alloy"}},"usage":null,"metadata":null}}"#)
        nextDelta()
    }

    private func nextDelta() {
        guard remainingMs > 0 else {
            send(#"{"type":"response.output_audio.done","event_id":"EVENT","response_id":"\#(responseId)","item_id":"\#(itemId)","output_index":0,"content_index":0}"#)
            send(#"{"type":"response.done","event_id":"EVENT","response":{"object":"realtime.response","id":"\#(responseId)","status":"completed","status_details":null,"output":[{"id":"\#(itemId)","type":"message","status":"completed","role":"assistant","content":[{"type":"output_audio","transcript":"bench"}]}],"conversation_id":"conv_mock\#(session)","output_modalities":["audio"],"max_output_tokens":"inf","usage":{"total_tokens":320,"input_tokens":132,"output_tokens":188,"input_token_details":{"text_tokens":59,"audio_tokens":73,"image_tokens":0,"cached_tokens":64,"cached_tokens_details":{"text_tokens":0,"audio_tokens":64,"image_tokens":0}},"output_token_details":{"text_tokens":41,"audio_tokens":147}},"metadata":null}}"#)
            listen()
            return
        }
        let sentFrames = max(2, min(remainingMs / 20, Int.random(in: 2...10, using: &random)))
        let audio = MockTalkTurns.silence[sentFrames]!
        remainingMs -= sentFrames * 20
        eventNumber += 1
        output.removeAll(keepingCapacity: true)
        ByteText.append(#"{"type":"response.output_audio.delta","event_id":"event_"#, to: &output)
        ByteText.appendDecimal(eventNumber, to: &output)
        output.append(contentsOf: #"","response_id":"\#(responseId)","item_id":"\#(itemId)","output_index":0,"content_index":0,"delta":""#.utf8)
        output.append(contentsOf: audio)
        ByteText.append(#""}"#, to: &output)
        output.withUnsafeBytes { socket.sendText(utf8: $0) }
        provider.audioBytesSent += sentFrames * FrameTag.frameBytes
        send(#"{"type":"response.output_audio_transcript.delta","event_id":"EVENT","response_id":"\#(responseId)","item_id":"\#(itemId)","output_index":0,"content_index":0,"delta":" word","obfuscation":"mK3x"}"#)
        after(ms: sentFrames * 20) { $0.nextDelta() }
    }
}

/// SplitMix64: a small seeded generator, so a run's draws repeat from its seed.
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
