import JSON

/// What the caller has heard of the assistant, and when the rest will have played: the one
/// model of assistant audio sent to Twilio, fed once per chunk as it leaves (`sent`).
///
/// Every chunk of assistant audio sent to Twilio is followed by a `mark` named
/// `<item_id>:<cumulative ms sent for that item>`. Twilio echoes a mark once the audio before it
/// has **played** — or when a `clear` flushed it. So after a `clear`, the echoes of the marks that
/// were still queued are discarded, not counted as heard (Twilio returns them in order).
/// The marks say *whether* everything has played (barge-in, hang-up); the clock estimate says
/// how long that should take (`remainingMs`), since Twilio plays μ-law at 8,000 bytes a second,
/// in order, from arrival — so a hang-up bounds its wait without cutting a long goodbye short.
///
/// Pure state, no I/O: `CallSession` executes what it decides.
struct AssistantPlayback {
    /// What to do when the caller starts talking over the assistant.
    struct BargeIn: Equatable {
        /// Send Twilio `clear`: assistant audio is still queued at Twilio.
        var clear: Bool
        /// Truncate this item at this many milliseconds (what was heard, never more than was sent).
        var truncate: (itemId: String, audioEndMs: Int)?
        /// The response whose remaining audio must be dropped.
        var interruptedResponseId: String?

        static func == (a: BargeIn, b: BargeIn) -> Bool {
            a.clear == b.clear && a.truncate?.itemId == b.truncate?.itemId
                && a.truncate?.audioEndMs == b.truncate?.audioEndMs && a.interruptedResponseId == b.interruptedResponseId
        }
    }

    /// The item whose audio was sent last, and its response.
    private(set) var currentItemId: String?
    private(set) var currentResponseId: String?
    /// The current item's μ-law bytes sent (8 bytes = 1 ms) and milliseconds heard (from echoed
    /// marks): plain fields, since every chunk and every echo touches them.
    private var currentSentBytes = 0
    private var currentHeardMs = 0
    /// The same for the few items before it, whose marks may still be echoing.
    private var earlier: [String: (sentBytes: Int, heardMs: Int, since: Int)] = [:]
    /// Counts item changes, so that the oldest of `earlier` is the one forgotten.
    private var itemsStarted = 0
    private static let earlierItemsKept = 8
    /// Marks sent and not yet echoed.
    private(set) var outstandingMarks = 0
    /// Echoes still to come for marks that a `clear` flushed.
    private(set) var echoesToDiscard = 0
    /// Responses and items interrupted by the caller; their late audio is dropped.
    private var interrupted: Set<String> = []
    /// Whether the current item's id goes into JSON as it is (checked once per item), so its
    /// marks' names can be spliced into the `mark` message.
    private(set) var currentItemIsPlain = false
    /// The loop time (ms) at which the audio sent so far ends playing, by the estimate.
    private(set) var playedOutAtMs: Int64 = 0

    /// Milliseconds of audio still queued at Twilio at `nowMs`, by the estimate.
    func remainingMs(nowMs: Int64) -> Int64 { max(0, playedOutAtMs - nowMs) }

    /// Milliseconds of `itemId` sent to Twilio.
    func sentMs(_ itemId: String) -> Int {
        (itemId == currentItemId ? currentSentBytes : earlier[itemId]?.sentBytes ?? 0) / 8
    }

    /// Milliseconds of `itemId` the caller has heard.
    func heard(_ itemId: String) -> Int {
        itemId == currentItemId ? currentHeardMs : earlier[itemId]?.heardMs ?? 0
    }

    /// Whether audio sent to Twilio has not been played yet.
    var isPlaying: Bool { outstandingMarks > echoesToDiscard }

    /// Whether audio of this response or item must be dropped (the caller interrupted it).
    func isInterrupted(responseId: String?, itemId: String?) -> Bool {
        if let responseId, interrupted.contains(responseId) { return true }
        if let itemId, interrupted.contains(itemId) { return true }
        return false
    }

    /// Records `bytes` of audio of `itemId` sent to Twilio at loop time `nowMs`; returns the
    /// name of the mark to send after it.
    mutating func sent(bytes: Int, itemId: String, responseId: String?, nowMs: Int64) -> String {
        Self.markName(itemId: itemId, ms: record(bytes: bytes, itemId: itemId, responseId: responseId, nowMs: nowMs))
    }

    /// `sent` without making the mark's name: returns its milliseconds, the name being
    /// `markName(itemId:ms:)` (what the audio path splices into the `mark` message).
    mutating func record(bytes: Int, itemId: String, responseId: String?, nowMs: Int64) -> Int {
        if itemId != currentItemId { makeCurrent(itemId) }
        playedOutAtMs = max(playedOutAtMs, nowMs) + Int64(bytes) / 8
        currentResponseId = responseId
        currentSentBytes += bytes
        outstandingMarks += 1
        return currentSentBytes / 8
    }

    /// A mark's name: `<item id>:<ms of the item sent>`, which `markEchoed` parses back.
    static func markName(itemId: String, ms: Int) -> String { itemId + ":" + String(ms) }

    /// Moves the current item's counters to `earlier` and takes up `itemId`'s (an item can come
    /// back, e.g. after a reconnect or when deltas of two items interleave).
    private mutating func makeCurrent(_ itemId: String) {
        if let previous = currentItemId {
            if earlier.count >= Self.earlierItemsKept, earlier[previous] == nil,
               let oldest = earlier.min(by: { $0.value.since < $1.value.since })?.key {
                earlier[oldest] = nil
            }
            itemsStarted += 1
            earlier[previous] = (currentSentBytes, currentHeardMs, itemsStarted)
        }
        let resumed = earlier.removeValue(forKey: itemId)
        currentItemId = itemId
        currentItemIsPlain = !JSON.needsEscaping(itemId)
        currentSentBytes = resumed?.sentBytes ?? 0
        currentHeardMs = resumed?.heardMs ?? 0
    }

    /// Records an echoed mark. Returns whether it counted as heard audio.
    /// Parses `<item_id>:<ms>` on UTF-8 bytes: this runs for every 100 ms of assistant audio.
    @discardableResult
    mutating func markEchoed(_ name: String) -> Bool {
        var name = name  // withUTF8 wants a var; the bytes are not copied
        return name.withUTF8 { markEchoed(UnsafeRawBufferPointer($0)) }
    }

    /// Records an echoed mark given as the UTF-8 bytes of its name, as Twilio's message holds them.
    @discardableResult
    mutating func markEchoed(_ name: UnsafeRawBufferPointer) -> Bool {
        if outstandingMarks > 0 { outstandingMarks -= 1 }
        if echoesToDiscard > 0 {
            echoesToDiscard -= 1  // flushed by our clear, not played
            return false
        }
        let bytes = name.assumingMemoryBound(to: UInt8.self)
        guard let colon = bytes.lastIndex(of: UInt8(ascii: ":")) else { return false }
        var ms = 0
        for byte in bytes[(colon + 1)...] {
            guard byte >= 0x30 && byte <= 0x39, ms < 1 << 40 else { return false }
            ms = ms * 10 + Int(byte - 0x30)
        }
        let item = UnsafeBufferPointer(rebasing: bytes[..<colon])
        if var current = currentItemId, current.withUTF8({ UnsafeRawBufferPointer($0).hasSameBytes(as: UnsafeRawBufferPointer(item)) }) {
            currentHeardMs = max(currentHeardMs, min(ms, currentSentBytes / 8))  // the usual case
        } else {
            let itemId = String(decoding: item, as: UTF8.self)
            if let known = earlier[itemId] {
                earlier[itemId] = (known.sentBytes, max(known.heardMs, min(ms, known.sentBytes / 8)), known.since)
            }
        }
        return true
    }

    /// A new provider session replaced the old one: its item and response ids mean nothing
    /// there, so they are forgotten. Marks still queued at Twilio are still counted, so that
    /// `isPlaying` stays true until they have played.
    mutating func forgetItems() {
        currentItemId = nil
        currentResponseId = nil
        currentSentBytes = 0
        currentHeardMs = 0
        earlier = [:]
        interrupted = []
    }

    /// Decides the barge-in when the caller starts speaking.
    mutating func callerStartedSpeaking() -> BargeIn {
        guard isPlaying, let item = currentItemId else {
            return BargeIn(clear: false, truncate: nil, interruptedResponseId: nil)
        }
        echoesToDiscard = outstandingMarks
        let heardNow = heard(item)
        let sent = sentMs(item)
        interrupted.insert(item)
        if let response = currentResponseId { interrupted.insert(response) }
        // Nothing of the item played yet: truncating at 0 is refused by the provider; skip it.
        let truncate = heardNow > 0 && heardNow < sent ? (item, heardNow) : nil
        return BargeIn(clear: true, truncate: truncate, interruptedResponseId: currentResponseId)
    }
}
