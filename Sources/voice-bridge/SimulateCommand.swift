import Audio
import Foundation
import Net
import Twilio
import WebSocket

/// `voice-bridge simulate`: a fake Twilio call from a WAV file into a running bridge.
enum SimulateCommand {
    static func run(_ arguments: [String]) -> Int32 {
        var wavPath: String?, outPath: String?
        var url = "ws://127.0.0.1:5050/media-stream"
        var options = TwilioStreamSimulator.Options()
        var webhook = false
        var webhookGapMs: Int64 = 0
        var rest = arguments[...]
        while let flag = rest.popFirst() {
            if flag == "--webhook" { webhook = true; continue }
            guard let value = rest.popFirst() else { return fail("\(flag) needs a value") }
            switch flag {
            case "--webhook-gap-ms":
                guard let ms = Int64(value), ms >= 0 else { return fail("--webhook-gap-ms takes milliseconds, got '\(value)'") }
                webhookGapMs = ms
            case "--wav": wavPath = value
            case "--out": outPath = value
            case "--url": url = value
            case "--max-tail-ms":
                guard let ms = Int64(value), ms >= 0 else { return fail("--max-tail-ms takes milliseconds, got '\(value)'") }
                options.maxTailMs = ms
            case "--dtmf":
                // DIGIT@MS: press DIGIT this many milliseconds into the call (repeatable).
                let parts = value.split(separator: "@")
                guard parts.count == 2, parts[0].count == 1, "0123456789*#".contains(parts[0]), let ms = Int(parts[1]), ms >= 0 else {
                    return fail("--dtmf takes DIGIT@MS (e.g. 1@2000), got '\(value)'")
                }
                options.dtmf.append((String(parts[0]), ms))
            case "--param":
                // NAME=VALUE in start.customParameters (e.g. agent=reminders; a bridge that checks
                // signatures takes the agent only from its own signed TwiML).
                guard let equals = value.firstIndex(of: "="), equals != value.startIndex else {
                    return fail("--param takes NAME=VALUE, got '\(value)'")
                }
                options.customParameters.append((String(value[..<equals]), String(value[value.index(after: equals)...])))
            case "--linger-ms":
                guard let ms = Int64(value), ms >= 0 else { return fail("--linger-ms takes milliseconds, got '\(value)'") }
                options.lingerMs = ms
            default: return fail("unknown option \(flag)")
            }
        }
        guard let wavPath else { return fail("--wav IN.wav is required (8 kHz mono μ-law or PCM16)") }
        let audio: [UInt8]
        do {
            audio = try WAVFile.read(path: wavPath).muLawBytes()
        } catch {
            return fail("\(wavPath): \(error)")
        }
        let target: WSURL
        do { target = try WSURL(url) } catch { return fail("--url \(url): \(error)") }
        let signing: SimulatedSignatures?
        do {
            signing = try SimulatedSignatures.load()
        } catch {
            return fail(String(describing: error))
        }
        if let signing { options.headers.append(signing.streamHeader(for: target)) }
        do {
            let loop = try EventLoop()
            let tls = try TLSContext.client()
            let simulator = TwilioStreamSimulator(loop: loop, audio: audio, options: options)
            var result: TwilioStreamSimulator.Report?
            var failure: String?
            let startStream = {
                simulator.run(url: target, tls: tls) { report in
                    result = report
                    loop.stop()
                }
            }
            if webhook {
                // As Twilio: fetch the TwiML first (the bridge pre-warms the provider), then open the stream.
                let request = TwilioWebhookRequest(
                    host: target.host, port: target.port, callSid: simulator.callSid, from: "+15550100", to: "+15550199",
                    signature: signing.map { ($0.authToken, $0.webhookURL(host: target.host, port: target.port, path: "/incoming-call")) })
                request.send(on: loop) { answer in
                    switch answer {
                    case .success(let a) where a.status == 200:
                        // As Twilio: the TwiML's <Parameter>s (the stream token among them) come back in `start`.
                        if let parameters = TwiMLValidator.streamParameters(in: a.body), !parameters.isEmpty {
                            simulator.options.customParameters = parameters
                        }
                        loop.schedule(afterMs: webhookGapMs) { startStream() }
                    case .success(let a):
                        failure = "the webhook answered HTTP \(a.status): \(a.body)"
                        loop.stop()
                    case .failure(let error):
                        failure = "the webhook failed: \(error)"
                        loop.stop()
                    }
                }
            } else {
                if let signing {
                    // No webhook to hand out the stream token: make it as the bridge would.
                    simulator.options.customParameters = StreamToken(secret: signing.tokenSecret).signed(
                        simulator.options.customParameters, callSid: simulator.callSid, now: Int64(Date().timeIntervalSince1970))
                }
                startStream()
            }
            loop.run()
            if let failure { return fail(failure, status: 1) }
            guard let report = result else { return fail("simulation did not complete", status: 1) }
            let sent = Double(report.framesSent * options.frameMs) / 1000
            let silence = Double(report.silenceFramesSent * options.frameMs) / 1000
            let received = Double(report.audio.count) / 8000
            let first = report.firstAudioMs.map { "\($0) ms" } ?? "never"
            print("simulate: sent \(report.framesSent) frames (\(fmt(sent)) s of the WAV, then \(fmt(silence)) s of line silence), received \(report.audio.count / 160) frames (\(fmt(received)) s of audio in \(report.messagesReceived) messages), first audio after \(first), marks echoed \(report.marksEchoed)")
            if let outPath {
                try WAVFile.muLaw8k(report.audio).write(path: outPath)
                print("simulate: wrote \(outPath)")
            }
            if let failure = report.failure {
                return fail(failure, status: 1)
            }
            return 0
        } catch {
            return fail(String(describing: error), status: 1)
        }
    }

    private static func fmt(_ v: Double) -> String { String(format: "%.2f", v) }

    /// Prints `message`; usage errors exit 2, a failed call exits 1.
    private static func fail(_ message: String, status: Int32 = 2) -> Int32 {
        FileHandle.standardError.write(Data("voice-bridge simulate: \(message)\n".utf8))
        return status
    }
}
