import Audio

/// The energy voice-activity detector of the local parrot: a state machine over μ-law audio in
/// fixed windows, fed any number of bytes at a time, returning what happened.
///
/// Tuned for telephone audio: G.711 line noise sits around RMS 50–300 (of 32 767), speech at
/// 1 000–8 000, so a threshold of 500 (≈ −36 dBFS) separates them. Speech starts after 60 ms
/// above it and ends after 600 ms below; the utterance keeps the 300 ms before the start was
/// confirmed (like `prefix_padding_ms`), stops at the last loud window and is capped at 15 s.
struct RealtimeLocalVAD {
    /// What a stretch of audio caused.
    enum Event: Equatable {
        /// Speech began at `audioStartMs` (the start of its first loud window).
        case speechStarted(audioStartMs: Int)
        /// Speech ended at `audioEndMs` (the end of its last loud window); `utterance` is the
        /// μ-law audio to repeat, pre-roll included.
        case speechStopped(audioEndMs: Int, utterance: [UInt8])
    }

    /// RMS (of Int16 samples) at or above which a window counts as speech.
    static let speechRMS = 500.0
    static let startMs = 60
    static let endMs = 600
    static let preRollMs = 300
    static let maxUtteranceMs = 15_000
    static let samplesPerMs = 8

    private let windowSamples: Int
    private let startWindows: Int
    private let endWindows: Int
    private var pending: [UInt8] = []
    private var samplesSeen = 0
    private var speaking = false
    private var loudRun = 0
    private var quietRun = 0
    private var preRoll: [UInt8] = []
    private var utterance: [UInt8] = []
    private var utteranceLengthAtLastLoud = 0
    private var lastLoudEnd = 0

    /// A detector that judges `windowMs` of audio at a time.
    init(windowMs: Int) {
        let windowMs = max(windowMs, 1)
        windowSamples = windowMs * Self.samplesPerMs
        startWindows = max(1, (Self.startMs + windowMs - 1) / windowMs)
        endWindows = max(1, (Self.endMs + windowMs - 1) / windowMs)
    }

    /// Whether speech is in progress.
    var isSpeaking: Bool { speaking }

    /// Feeds μ-law bytes; returns the events complete windows caused, in order.
    mutating func append(_ audio: [UInt8]) -> [Event] {
        pending.append(contentsOf: audio)
        var events: [Event] = []
        var offset = 0
        while pending.count - offset >= windowSamples {
            if let event = process(pending[offset..<(offset + windowSamples)]) { events.append(event) }
            offset += windowSamples
        }
        pending.removeFirst(offset)
        return events
    }

    /// Ends speech in progress now (`input_audio_buffer.commit`); `nil` when there is none.
    mutating func commit() -> Event? {
        guard speaking else { return nil }
        utteranceLengthAtLastLoud = utterance.count
        lastLoudEnd = samplesSeen
        return stop()
    }

    /// Forgets all buffered audio and any speech in progress (`input_audio_buffer.clear`).
    mutating func clear() {
        pending.removeAll()
        preRoll.removeAll()
        utterance.removeAll()
        speaking = false
        loudRun = 0
        quietRun = 0
    }

    private mutating func process(_ window: ArraySlice<UInt8>) -> Event? {
        let loud = Self.rms(window) >= Self.speechRMS
        let windowStart = samplesSeen
        samplesSeen += window.count
        guard speaking else {
            preRoll.append(contentsOf: window)
            let preRollSamples = Self.preRollMs * Self.samplesPerMs
            if preRoll.count > preRollSamples { preRoll.removeFirst(preRoll.count - preRollSamples) }
            loudRun = loud ? loudRun + 1 : 0
            guard loudRun >= startWindows else { return nil }
            speaking = true
            quietRun = 0
            utterance = preRoll
            preRoll.removeAll()
            utteranceLengthAtLastLoud = utterance.count
            lastLoudEnd = samplesSeen
            return .speechStarted(audioStartMs: (windowStart - (startWindows - 1) * windowSamples) / Self.samplesPerMs)
        }
        let room = Self.maxUtteranceMs * Self.samplesPerMs - utterance.count
        if room > 0 { utterance.append(contentsOf: window.prefix(room)) }
        if loud {
            quietRun = 0
            utteranceLengthAtLastLoud = utterance.count
            lastLoudEnd = samplesSeen
            return nil
        }
        quietRun += 1
        return quietRun >= endWindows ? stop() : nil
    }

    private mutating func stop() -> Event {
        let event = Event.speechStopped(audioEndMs: lastLoudEnd / Self.samplesPerMs,
                                        utterance: Array(utterance.prefix(utteranceLengthAtLastLoud)))
        speaking = false
        loudRun = 0
        quietRun = 0
        utterance.removeAll()
        return event
    }

    private static func rms(_ window: ArraySlice<UInt8>) -> Double {
        var sumOfSquares = 0.0
        for byte in window {
            let sample = Double(MuLaw.decode(byte))
            sumOfSquares += sample * sample
        }
        return (sumOfSquares / Double(max(window.count, 1))).squareRoot()
    }
}
