import Base64
import JSON
import Net
import WebSocket

/// One simulated Twilio Media Stream: `connected`, `start`, then a tagged 20 ms `media` frame each
/// time the `CallDriver` says so, marks echoed once the audio before them has played (as Twilio
/// does), and `stop`. What comes back is checked and timed through the driver.
final class SimulatedCall: WSConnectionDelegate {
    enum State { case connecting, open, stopping, closed }

    /// The call's index in the run (also carried in every frame's tag).
    let index: Int
    private unowned let driver: CallDriver
    private(set) var state = State.connecting
    private var socket: WSConnection?
    private let streamSid: String
    private let callSid: String
    /// Twilio's `sequenceNumber`: counts every event of the stream from 1.
    private var eventNumber = 0
    /// Frames sent so far; the next frame's tag sequence.
    private(set) var framesSent: UInt32 = 0
    /// The next tag sequence expected back (frames return in order on one call).
    private var expectedBack: UInt32 = 0
    private var output: [UInt8] = []
    /// Marks received, echoed when their audio has played (`dueUs`).
    private var pendingMarks: [(name: [UInt8], dueUs: Int64)] = []
    private var pendingMarksHead = 0
    /// When the audio received so far will have finished playing, at 8000 bytes a second.
    private var playheadUs: Int64 = 0
    private var checkedFirstMedia = false

    init(index: Int, driver: CallDriver) {
        self.index = index
        self.driver = driver
        streamSid = "MZ" + SimulatedCall.hexId(index)
        callSid = "CA" + SimulatedCall.hexId(index)
    }

    /// Opens the Media Stream WebSocket.
    func connect(url: WSURL, headers: [(String, String)], loop: EventLoop) {
        socket = WSConnection.connect(to: url, headers: headers, tls: nil, loop: loop, timeoutMs: 15_000, delegate: self)
    }

    // MARK: Sending

    func webSocketDidOpen(_ socket: WSConnection) {
        state = .open
        eventNumber = 1
        socket.sendText(#"{"event":"connected","protocol":"Call","version":"1.0.0"}"#)
        let start: JSON = [
            "event": "start", "sequenceNumber": .string(String(eventNumber)), "streamSid": .string(streamSid),
            "start": [
                "accountSid": "AC00000000000000000000000000000000", "streamSid": .string(streamSid),
                "callSid": .string(callSid), "tracks": ["inbound"],
                "mediaFormat": ["encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1],
                "customParameters": .object(JSONObject(driver.parameters(callSid).map { ($0.0, JSON.string($0.1)) })),
            ],
        ]
        socket.sendText(start.serialized())
        driver.callOpened(self)
    }

    /// Sends the next 20 ms frame, tagged with the time it leaves; echoes the marks now due.
    func sendFrame(nowUs: Int64) {
        guard state == .open, let socket else { return }
        eventNumber += 1
        let chunk = Int(framesSent) + 1
        output.removeAll(keepingCapacity: true)
        ByteText.append(#"{"event":"media","sequenceNumber":""#, to: &output)
        ByteText.appendDecimal(eventNumber, to: &output)
        ByteText.append(#"","streamSid":""#, to: &output)
        output.append(contentsOf: streamSid.utf8)
        ByteText.append(#"","media":{"track":"inbound","chunk":""#, to: &output)
        ByteText.appendDecimal(chunk, to: &output)
        ByteText.append(#"","timestamp":""#, to: &output)
        ByteText.appendDecimal((chunk - 1) * 20, to: &output)
        ByteText.append(#"","payload":""#, to: &output)
        FrameTag(call: UInt16(truncatingIfNeeded: index), sequence: framesSent,
                 sentUs: UInt32(truncatingIfNeeded: nowUs)).appendBase64(to: &output)
        output.append(contentsOf: FrameTag.restOfFrameBase64)
        ByteText.append(#""}}"#, to: &output)
        output.withUnsafeBytes { socket.sendText(utf8: $0) }
        framesSent += 1
        echoMarks(dueBy: nowUs)
    }

    private func echoMarks(dueBy nowUs: Int64) {
        guard let socket else { return }
        while pendingMarksHead < pendingMarks.count, pendingMarks[pendingMarksHead].dueUs <= nowUs {
            let name = pendingMarks[pendingMarksHead].name
            pendingMarksHead += 1
            eventNumber += 1
            output.removeAll(keepingCapacity: true)
            ByteText.append(#"{"event":"mark","sequenceNumber":""#, to: &output)
            ByteText.appendDecimal(eventNumber, to: &output)
            ByteText.append(#"","streamSid":""#, to: &output)
            output.append(contentsOf: streamSid.utf8)
            ByteText.append(#"","mark":{"name":""#, to: &output)
            output.append(contentsOf: name)
            ByteText.append(#""}}"#, to: &output)
            output.withUnsafeBytes { socket.sendText(utf8: $0) }
            driver.markEchoed()
        }
        if pendingMarksHead == pendingMarks.count {
            pendingMarks.removeAll(keepingCapacity: true)
            pendingMarksHead = 0
        }
    }

    /// Sends `stop` and closes the WebSocket, as Twilio does when the caller hangs up.
    func hangUp() {
        guard state == .open, let socket else {
            if state == .connecting { socket?.close() }
            return
        }
        state = .stopping
        eventNumber += 1
        socket.sendText(#"{"event":"stop","sequenceNumber":""# + String(eventNumber) + #"","streamSid":""# + streamSid
                        + #"","stop":{"accountSid":"AC00000000000000000000000000000000","callSid":""# + callSid + #""}}"#)
        socket.close(code: 1000, reason: "")
    }

    // MARK: Receiving

    func webSocket(_ socket: WSConnection, didReceiveText text: UnsafeRawBufferPointer) {
        let now = MonotonicClock.nowUs()
        if ByteText.hasPrefix(text, #"{"event":"media","#) {
            receivedMedia(text, now: now)
        } else if ByteText.hasPrefix(text, #"{"event":"mark","#) {
            guard let start = ByteText.indexAfter(#""name":""#, in: text),
                  let end = ByteText.closingQuote(in: text, from: start) else {
                driver.error("call \(index): a mark without a plain name: \(String(decoding: text.prefix(120), as: UTF8.self))")
                return
            }
            pendingMarks.append((Array(text[start..<end]), playheadUs))
        } else if ByteText.hasPrefix(text, #"{"event":"clear","#) {
            echoMarks(dueBy: .max)  // Twilio returns every pending mark at once after a clear
            playheadUs = now
        } else {
            driver.error("call \(index): unexpected message from the bridge: \(String(decoding: text.prefix(120), as: UTF8.self))")
        }
    }

    private func receivedMedia(_ text: UnsafeRawBufferPointer, now: Int64) {
        if !checkedFirstMedia {
            // Once per call, the full parser checks the message Twilio would validate.
            checkedFirstMedia = true
            guard let json = try? JSON.parse(text), json["streamSid"]?.stringValue == streamSid,
                  json["media"]?["payload"]?.stringValue != nil else {
                driver.error("call \(index): media message is not what Twilio accepts: \(String(decoding: text.prefix(120), as: UTF8.self))")
                return
            }
        }
        guard let start = ByteText.indexAfter(#""payload":""#, in: text),
              let end = ByteText.closingQuote(in: text, from: start) else {
            driver.error("call \(index): media message without a payload")
            return
        }
        let payload = UnsafeRawBufferPointer(rebasing: text[start..<end])
        let bytes = ByteText.base64DecodedCount(payload)
        playheadUs = max(playheadUs, now) + Int64(bytes) * 125  // 8000 bytes a second
        if driver.shape == .talk {
            driver.audioReceived(bytes: bytes, now: now)  // the model's speech: counted, carries no tags
            return
        }
        if payload.count == FrameTag.base64Count + FrameTag.restOfFrameBase64.count {
            received(FrameTag.decode(base64: payload), now: now)
        } else {
            // Several frames in one message: decode it all and read a tag at every 160 bytes.
            guard let raw = Base64.decode(payload), raw.count % FrameTag.frameBytes == 0 else {
                driver.error("call \(index): media payload of \(payload.count) base64 characters is not whole frames")
                return
            }
            for offset in stride(from: 0, to: raw.count, by: FrameTag.frameBytes) {
                var b64: [UInt8] = []
                Array(raw[offset..<(offset + FrameTag.byteCount)]).withUnsafeBytes { Base64.encode($0, appendingTo: &b64) }
                b64.withUnsafeBytes { received(FrameTag.decode(base64: $0), now: now) }
            }
        }
    }

    private func received(_ tag: FrameTag?, now: Int64) {
        guard let tag else {
            driver.error("call \(index): received audio without a frame tag")
            return
        }
        guard Int(tag.call) == index & 0xFFFF else {
            driver.error("call \(index): received a frame of call \(tag.call)")
            return
        }
        if tag.sequence != expectedBack { driver.outOfOrder(expected: expectedBack, got: tag.sequence) }
        expectedBack = max(expectedBack, tag.sequence &+ 1)
        driver.frameReturned(tag, now: now)
    }

    func webSocket(_ socket: WSConnection, didReceiveBinary data: UnsafeRawBufferPointer) {
        driver.error("call \(index): the bridge sent a binary frame (Twilio rejects those)")
    }

    func webSocket(_ socket: WSConnection, didCloseWith reason: WSCloseReason) {
        let expected = state == .stopping
        let wasOpen = state != .connecting
        state = .closed
        self.socket = nil
        driver.callClosed(self, wasOpen: wasOpen, reason: expected ? nil : reason.description)
    }

    private static func hexId(_ index: Int) -> String {
        let hex = String(index, radix: 16)
        return String(repeating: "0", count: 32 - hex.count) + hex
    }
}
