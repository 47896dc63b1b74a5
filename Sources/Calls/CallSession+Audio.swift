import Base64
import JSON
import Net
import Realtime
import Twilio
import WebSocket

/// The assistant's audio toward Twilio: coalescing, marks, and barge-in.
extension CallSession: AfterEventsTask {
    /// Queues one provider audio delta for the caller. Deltas ready in the same loop iteration are
    /// coalesced into one `media` message (up to `maxCoalescedAudioBytes`), never held back longer.
    func assistantAudio(delta: String, itemId: String?, responseId: String?) {
        var delta = delta
        delta.withUTF8 { assistantAudio(delta: UnsafeRawBufferPointer($0), itemId: itemId, responseId: responseId) }
    }

    /// `assistantAudio(delta:itemId:responseId:)` for the delta's base64 as bytes (copied into
    /// the coalescer's buffer: no `String` per delta).
    func assistantAudio(delta: UnsafeRawBufferPointer, itemId: String?, responseId: String?) {
        guard !streamSid.isEmpty, withinBufferLimits() else { return }
        if playback.isInterrupted(responseId: responseId, itemId: itemId) {
            droppedAfterBargeIn += 1  // late audio of a response the caller talked over
            return
        }
        let item = itemId ?? responseId ?? "assistant"
        if let ready = coalescer.add(delta, bytes: Self.decodedLength(ofBase64: delta), itemId: item, responseId: responseId) {
            send(ready)
        }
        if !flushScheduled {
            flushScheduled = true
            twilio.connection.loop.afterCurrentEvents(self)
        }
    }

    /// Queues one provider audio delta read in place; its ids become `String`s once per item.
    func assistantAudio(_ delta: RealtimeServerEvent.AudioDelta) {
        guard !streamSid.isEmpty else { return }
        assistantAudio(delta: delta.delta, itemId: deltaIds.itemId(delta.itemId),
                       responseId: deltaIds.responseId(delta.responseId))
    }

    /// The coalesced audio leaves once the current events are handled (scheduled by `assistantAudio`).
    public func runAfterCurrentEvents() {
        flushScheduled = false
        flushAssistantAudio()
    }

    /// Sends the coalesced audio now.
    func flushAssistantAudio() {
        guard !isEnded, let chunk = coalescer.take() else { return }
        send(chunk)
    }

    /// Sends one chunk as a `media` message followed by its `mark`; the playback model records it.
    private func send(_ chunk: AssistantAudioCoalescer.Chunk) {
        let now = twilio.connection.loop.now
        lastAssistantAudioMs = now
        if tools.holdPlaying { stopHold(clear: true) }  // the answer: the hold goes first
        if !firstAudioLogged {
            firstAudioLogged = true
            log.info("first assistant audio", [("since_start_ms", String(now - providerOpenedAtMs))])
        }
        meter.assistantAudio(bytes: chunk.bytes, nowMs: now)
        sendMedia(chunk.payload)
        let markMs = playback.record(bytes: chunk.bytes, itemId: chunk.itemId, responseId: chunk.responseId, nowMs: now)
        if let recorder, let audio = chunk.payload.withUnsafeBytes({ Base64.decode($0) }) {
            recorder.sent(audio, mark: AssistantPlayback.markName(itemId: chunk.itemId, ms: markMs))
        }
        sendMark(itemId: chunk.itemId, ms: markMs)
        framesToCaller += 1
    }

    /// A `media` message to Twilio, spliced into the frame when the ids allow (they always do).
    private func sendMedia(_ payload: [UInt8]) {
        guard streamSidIsPlain else {
            twilio.sendText(TwilioOutbound.media(streamSid: streamSid, payload: String(decoding: payload, as: UTF8.self)))
            return
        }
        var streamSid = streamSid  // withUTF8 wants a var; nothing is copied
        streamSid.withUTF8 { sid in
            payload.withUnsafeBytes { payload in
                twilio.send(TwilioOutbound.media(plainStreamSid: UnsafeRawBufferPointer(sid), payload: payload))
            }
        }
    }

    /// The `mark` after a chunk of `itemId` (the current item), named `<item id>:<ms>`: spliced
    /// into the frame from the ids' bytes and the digits when the ids allow (they always do).
    private func sendMark(itemId: String, ms: Int) {
        guard streamSidIsPlain, playback.currentItemIsPlain else {
            twilio.sendText(TwilioOutbound.mark(streamSid: streamSid, name: AssistantPlayback.markName(itemId: itemId, ms: ms)))
            return
        }
        var streamSid = streamSid, itemId = itemId  // withUTF8 wants vars; nothing is copied
        withUnsafeTemporaryAllocation(byteCount: 24, alignment: 1) { room in
            let suffix = Self.markSuffix(ms: ms, into: room)
            streamSid.withUTF8 { sid in
                itemId.withUTF8 { item in
                    twilio.send(TwilioOutbound.mark(plainStreamSid: UnsafeRawBufferPointer(sid), plainName: UnsafeRawBufferPointer(item),
                                                    nameSuffix: suffix))
                }
            }
        }
    }

    /// Writes `:<ms>` (decimal, as `String(ms)` would) at the start of `room` (24 bytes hold any
    /// `Int`); returns the bytes written.
    static func markSuffix(ms: Int, into room: UnsafeMutableRawBufferPointer) -> UnsafeRawBufferPointer {
        var digits = 0
        var rest = ms.magnitude
        repeat {
            digits += 1
            rest /= 10
        } while rest > 0
        let sign = ms < 0 ? 1 : 0
        room[0] = UInt8(ascii: ":")
        if sign == 1 { room[1] = UInt8(ascii: "-") }
        rest = ms.magnitude
        for index in stride(from: sign + digits, to: sign, by: -1) {
            room[index] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
        return UnsafeRawBufferPointer(rebasing: room[0..<(1 + sign + digits)])
    }

    /// Twilio echoed a mark: that audio was played (or flushed by our `clear`).
    func markEchoed(_ name: UnsafeRawBufferPointer) {
        let heard = playback.markEchoed(name)
        recorder?.played(mark: String(decoding: name, as: UTF8.self), heard: heard)
        if !playback.isPlaying {
            let waiters = whenPlayedOut
            whenPlayedOut = []
            for w in waiters { w() }
        }
    }

    /// Runs `action` once every assistant audio sent so far has played, or after `timeoutMs`.
    public func whenAssistantAudioPlayed(timeoutMs: Int64, _ action: @escaping () -> Void) {
        flushAssistantAudio()
        guard playback.isPlaying else { action(); return }
        var done = false
        let once = { if !done { done = true; action() } }
        whenPlayedOut.append(once)
        twilio.connection.loop.schedule(afterMs: timeoutMs) { once() }
    }

    /// The caller started talking: stop the assistant where the caller stopped hearing it.
    func callerStartedSpeaking() {
        coalescer.discard()  // not yet sent: part of what is being interrupted
        if tools.holdPlaying { stopHold(clear: true) }
        let decision = playback.callerStartedSpeaking()
        guard decision.clear else { return }
        twilio.sendText(TwilioOutbound.clear(streamSid: streamSid))
        if let (item, ms) = decision.truncate {
            provider?.send(RealtimeClientEvent.truncate(itemId: item, audioEndMs: ms))
        }
        watch(.bargeIn(heardMs: decision.truncate.map { Int($0.audioEndMs) }))
        log.info("caller interrupted the assistant", [("heard_ms", decision.truncate.map { String($0.audioEndMs) } ?? "0"),
                                                      ("item", decision.truncate?.itemId ?? playback.currentItemId ?? "")])
        // With server VAD the provider cancels its own response; if it has not within a moment, do it.
        guard let interrupted = decision.interruptedResponseId, responseInProgress == interrupted else { return }
        twilio.connection.loop.schedule(afterMs: 300) { [weak self] in
            guard let self, self.isActive, self.responseInProgress == interrupted else { return }
            self.provider?.send(RealtimeClientEvent.responseCancel())
        }
    }

    /// The number of bytes base64 text decodes to.
    static func decodedLength(ofBase64 text: UnsafeRawBufferPointer) -> Int {
        var padding = 0
        if text.count > 0, text[text.count - 1] == UInt8(ascii: "=") { padding += 1 }
        if padding == 1, text.count > 1, text[text.count - 2] == UInt8(ascii: "=") { padding += 1 }
        return text.count / 4 * 3 - padding
    }

    /// The number of bytes a base64 string decodes to.
    static func decodedLength(ofBase64 text: String) -> Int {
        var text = text
        return text.withUTF8 { decodedLength(ofBase64: UnsafeRawBufferPointer($0)) }
    }
}

extension WSConnection {
    /// Sends a spliced JSON text as one text message, framed straight into the output buffer.
    func send(_ text: JSONSplice) {
        sendText(count: text.count) { text.write(into: $0) }  // a closure, not `text.write(into:)`: that would box `text` on the heap
    }
}
