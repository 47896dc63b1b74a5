import Audio
import Config
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
        var rest = arguments[...]
        while let flag = rest.popFirst() {
            guard let value = rest.popFirst() else { return fail("\(flag) needs a value") }
            switch flag {
            case "--wav": wavPath = value
            case "--out": outPath = value
            case "--url": url = value
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
        do {
            if let header = try signatureHeader(for: target) { options.headers.append(header) }
        } catch {
            return fail(String(describing: error))
        }
        do {
            let loop = try EventLoop()
            let tls = try TLSContext.client()
            let simulator = TwilioStreamSimulator(loop: loop, audio: audio, options: options)
            var result: TwilioStreamSimulator.Report?
            simulator.run(url: target, tls: tls) { report in
                result = report
                loop.stop()
            }
            loop.run()
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

    /// `X-Twilio-Signature` for the upgrade when `TWILIO_AUTH_TOKEN` is set (environment or
    /// ./.env), computed as Twilio would: over `wss://` + the host the bridge believes Twilio
    /// calls (`PUBLIC_URL`, else the `Host` this request carries) + the path.
    static func signatureHeader(for target: WSURL) throws -> (String, String)? {
        let environment = try Environment.load(dotenvPath: ".env")
        guard let token = environment["TWILIO_AUTH_TOKEN"]?.trimmingCharacters(in: .whitespaces), !token.isEmpty else {
            return nil
        }
        var host = target.description.dropFirst(target.scheme.count + 3).prefix(while: { $0 != "/" && $0 != "?" })
        if let publicURL = environment["PUBLIC_URL"]?.trimmingCharacters(in: .whitespaces), !publicURL.isEmpty {
            let withoutScheme = publicURL.range(of: "://").map { publicURL[$0.upperBound...] } ?? Substring(publicURL)
            host = withoutScheme.prefix(while: { $0 != "/" })
        }
        let signedURL = "wss://\(host.lowercased())\(target.target)"
        return ("X-Twilio-Signature", TwilioSignature.compute(url: signedURL, params: [], authToken: token))
    }

    /// Prints `message`; usage errors exit 2, a failed call exits 1.
    private static func fail(_ message: String, status: Int32 = 2) -> Int32 {
        FileHandle.standardError.write(Data("voice-bridge simulate: \(message)\n".utf8))
        return status
    }
}
