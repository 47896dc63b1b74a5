import Base64
import Foundation
import JSON
import Net
import WebSocket

/// Plays audio into a bridge exactly as Twilio Media Streams would: `connected`, `start` with a
/// streamSid/callSid and customParameters, `media` paced in real time, marks echoed once the audio
/// queued before them has "played" (or at once on `clear`), and `stop`.
/// It records what the bridge sends back. Used by `voice-bridge simulate` and by tests.
public final class TwilioStreamSimulator: WSConnectionDelegate {
    /// What one simulated call produced.
    public struct Report {
        /// Media frames of the input sent to the bridge.
        public var framesSent = 0
        /// Frames of line silence sent after the input, while waiting for the reply to finish.
        public var silenceFramesSent = 0
        /// Media messages received from the bridge.
        public var messagesReceived = 0
        /// μ-law bytes received (8000 a second).
        public var audio: [UInt8] = []
        /// Milliseconds from `start` to the first audio byte received, if any.
        public var firstAudioMs: Int64?
        /// Marks received and echoed.
        public var marksEchoed = 0
        /// `clear` messages received.
        public var clears = 0
        /// Why the stream ended, when the bridge ended it or the connection failed.
        public var failure: String?
    }

    /// Settings of a run.
    public struct Options {
        /// Milliseconds of audio per media frame (Twilio sends 20).
        public var frameMs = 20
        /// After the input ends, keep the line open (sending silence) until the bridge has been quiet this long.
        public var lingerMs: Int64 = 3_000
        /// Hard stop for the whole run after the input ends, in milliseconds.
        public var maxTailMs: Int64 = 30_000
        /// `start.customParameters` (the CallSid is added, as the bridge's TwiML does).
        public var customParameters: [(String, String)] = [("From", "+15550100"), ("simulated", "true")]
        /// Extra headers on the WebSocket upgrade, such as `X-Twilio-Signature`.
        public var headers: [(String, String)] = []
        /// Key presses to send (`dtmf` events), each at this many ms into the call.
        public var dtmf: [(digit: String, atMs: Int)] = []
        /// Creates the defaults.
        public init() {}
    }

    private let loop: EventLoop
    private let audio: [UInt8]
    /// What the run does; `customParameters` may change until `run`.
    public var options: Options
    private var socket: WSConnection?
    private var report = Report()
    private let streamSid = "MZ" + TwilioStreamSimulator.hex(32)
    /// The call's CallSid (also what a simulated webhook sends, so the bridge can match them).
    public let callSid = "CA" + TwilioStreamSimulator.hex(32)
    private var sequence = 0
    private var offset = 0
    private var startedAt: Int64 = 0
    private var lastAudioAt: Int64 = 0
    private var inputEndedAt: Int64?
    private var playheadMs: Int64 = 0
    private var pendingMarks: [(name: String, dueMs: Int64)] = []
    private var frameTimer: LoopTimer?
    private var stopped = false
    private var completion: ((Report) -> Void)?

    /// Prepares a run of `audio` (8 kHz μ-law bytes).
    public init(loop: EventLoop, audio: [UInt8], options: Options = Options()) {
        self.loop = loop
        self.audio = audio
        self.options = options
    }

    /// Connects to `url` and plays; `completion` runs on the loop when the call is over.
    public func run(url: WSURL, tls: TLSContext?, completion: @escaping (Report) -> Void) {
        self.completion = completion
        socket = WSConnection.connect(to: url, headers: options.headers, tls: tls, loop: loop, timeoutMs: 10_000, delegate: self)
    }

    public func webSocketDidOpen(_ socket: WSConnection) {
        startedAt = MonotonicClock.nowMs()
        lastAudioAt = startedAt
        socket.sendText(#"{"event":"connected","protocol":"Call","version":"1.0.0"}"#)
        sequence = 1
        var custom = JSONObject([])
        for (k, v) in options.customParameters { custom[k] = .string(v) }
        custom["CallSid"] = .string(callSid)
        let start: JSON = .object(JSONObject([
            ("event", "start"), ("sequenceNumber", .string(String(sequence))), ("streamSid", .string(streamSid)),
            ("start", .object(JSONObject([
                ("accountSid", .string("AC" + Self.hex(32))), ("streamSid", .string(streamSid)),
                ("callSid", .string(callSid)), ("tracks", ["inbound"]),
                ("mediaFormat", .object(JSONObject([("encoding", "audio/x-mulaw"), ("sampleRate", 8000), ("channels", 1)]))),
                ("customParameters", .object(custom)),
            ]))),
        ]))
        socket.sendText(start.serialized())
        sendFrame(index: 0)
    }

    /// Sends frame `index` and schedules the next on the absolute 20 ms grid (no drift).
    private func sendFrame(index: Int) {
        guard !stopped, let socket, socket.isOpen else { return }
        let now = MonotonicClock.nowMs()
        let frameBytes = options.frameMs * 8
        var chunk: ArraySlice<UInt8>
        let fromInput = offset < audio.count
        if fromInput {
            chunk = audio[offset..<min(offset + frameBytes, audio.count)]
            offset += chunk.count
            if chunk.count < frameBytes { chunk.append(contentsOf: repeatElement(0xFF, count: frameBytes - chunk.count)) }
        } else {
            if inputEndedAt == nil { inputEndedAt = now }
            chunk = ArraySlice(repeating: 0xFF, count: frameBytes)  // a quiet line, as a phone sends
            let quietFor = now - max(lastAudioAt, startedAt + playheadMs)
            if quietFor >= options.lingerMs || now - inputEndedAt! >= options.maxTailMs {
                finish(nil)
                return
            }
        }
        for press in options.dtmf where press.atMs <= index * options.frameMs && press.atMs > (index - 1) * options.frameMs {
            sequence += 1
            socket.sendText(#"{"event":"dtmf","sequenceNumber":"\#(sequence)","streamSid":"\#(streamSid)","dtmf":{"track":"inbound_track","digit":"\#(press.digit)"}}"#)
        }
        sequence += 1
        let payload = Base64.encode(Array(chunk))
        let ts = index * options.frameMs
        socket.sendText(#"{"event":"media","sequenceNumber":"\#(sequence)","streamSid":"\#(streamSid)","media":{"track":"inbound","chunk":"\#(index + 1)","timestamp":"\#(ts)","payload":"\#(payload)"}}"#)
        if fromInput { report.framesSent += 1 } else { report.silenceFramesSent += 1 }
        echoDueMarks(now: now)
        let next = startedAt + Int64((index + 1) * options.frameMs)
        frameTimer = loop.schedule(afterMs: max(0, next - MonotonicClock.nowMs())) { [weak self] in
            self?.sendFrame(index: index + 1)
        }
    }

    public func webSocket(_ socket: WSConnection, didReceiveText text: UnsafeRawBufferPointer) {
        guard let event = try? JSON.parse(text), let kind = event["event"]?.stringValue else {
            report.failure = "bridge sent a message that is not a Twilio event"
            return
        }
        let now = MonotonicClock.nowMs()
        switch kind {
        case "media":
            guard event["streamSid"]?.stringValue == streamSid else {
                report.failure = "bridge sent media with a wrong streamSid"
                return
            }
            guard let payload = event["media"]?["payload"]?.stringValue, let bytes = Base64.decode(payload) else {
                report.failure = "bridge sent media without a valid base64 payload"
                return
            }
            if report.firstAudioMs == nil { report.firstAudioMs = now - startedAt }
            report.messagesReceived += 1
            report.audio.append(contentsOf: bytes)
            // Playback model: audio plays in order at 8000 bytes/s from when it arrives.
            let elapsed = now - startedAt
            playheadMs = max(playheadMs, elapsed) + Int64(bytes.count / 8)
            lastAudioAt = now
        case "mark":
            let name = event["mark"]?["name"]?.stringValue ?? ""
            pendingMarks.append((name, playheadMs))
            echoDueMarks(now: now)
        case "clear":
            report.clears += 1
            playheadMs = now - startedAt
            echoDueMarks(now: now, all: true)
        default:
            report.failure = "bridge sent an unknown event '\(kind)'"
        }
    }

    /// Echoes the marks whose audio has played by now; `all` after a `clear` (Twilio returns them at once).
    private func echoDueMarks(now: Int64, all: Bool = false) {
        let elapsed = now - startedAt
        while let first = pendingMarks.first, all || first.dueMs <= elapsed {
            pendingMarks.removeFirst()
            sequence += 1
            socket?.sendText(#"{"event":"mark","sequenceNumber":"\#(sequence)","streamSid":"\#(streamSid)","mark":{"name":\#(JSON.quoted(first.name))}}"#)
            report.marksEchoed += 1
        }
    }

    public func webSocket(_ socket: WSConnection, didReceiveBinary data: UnsafeRawBufferPointer) {
        report.failure = "bridge sent a binary frame (Twilio rejects those: error 31950)"
    }

    public func webSocket(_ socket: WSConnection, didCloseWith reason: WSCloseReason) {
        if !stopped {
            if case .closed(let code, _) = reason, code == 1000 {
                // The bridge hung up normally (e.g. the assistant ended the call).
            } else {
                report.failure = "bridge connection ended: \(reason)"
            }
        }
        complete()
    }

    private func finish(_ failure: String?) {
        guard !stopped, let socket else { return }
        stopped = true
        frameTimer?.cancel()
        sequence += 1
        socket.sendText(#"{"event":"stop","sequenceNumber":"\#(sequence)","streamSid":"\#(streamSid)","stop":{"accountSid":"AC0","callSid":"\#(callSid)"}}"#)
        socket.close(code: 1000, reason: "")
    }

    private func complete() {
        frameTimer?.cancel()
        guard let completion else { return }
        self.completion = nil
        completion(report)
    }

    private static func hex(_ count: Int) -> String {
        var g = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in "0123456789abcdef".randomElement(using: &g)! })
    }
}
