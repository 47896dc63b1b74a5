import Foundation
import Net
import Twilio
import WebSocket

// vb-load: the load side of `scripts/bench` — simulated Twilio calls, the mock provider, and the
// floor's echo endpoint, on one event loop of this project's own. See LoadOptions.usage.

signal(SIGPIPE, SIG_IGN)

func fail(_ message: String, status: Int32) -> Never {
    FileHandle.standardError.write(Data("vb-load: \(message)\n".utf8))
    exit(status)
}

let options: LoadOptions
do {
    options = try LoadOptions.parse(Array(CommandLine.arguments.dropFirst()))
} catch {
    fail("\(error)\n\n\(LoadOptions.usage)", status: 2)
}

do {
    let loop = try EventLoop()
    var mock: MockProvider?
    if options.mode != .floor, let cert = options.certFile, let key = options.keyFile {
        let tls = try TLSContext.server(certificateFile: cert, privateKeyFile: key)
        mock = try MockProvider(port: options.mockPort, tls: tls, loop: loop, shape: options.shape, seed: options.seed,
                                turnMs: options.turnMs)
    }
    var echo: EchoEndpoint?
    let url: WSURL
    switch options.mode {
    case .mock:
        FileHandle.standardError.write(Data("vb-load: mock provider on wss://127.0.0.1:\(options.mockPort)/v1/realtime\n".utf8))
        loop.run()
        exit(0)
    case .floor:
        let endpoint = try EchoEndpoint(loop: loop)
        echo = endpoint
        url = try WSURL("ws://127.0.0.1:\(endpoint.port)/media-stream")
    case .bridge:
        url = try WSURL(options.url ?? "")
    }
    var headers: [(String, String)] = []
    var parameters: (String) -> [(String, String)] = { [("From", "+15550100"), ("CallSid", $0)] }
    if let token = options.authToken, let host = options.publicHost {
        // Twilio signs the upgrade over the Stream URL of the TwiML, with no parameters, and hands
        // back the TwiML's parameters, the bridge's stream token among them (keyed from the token).
        headers.append(("X-Twilio-Signature",
                        TwilioSignature.compute(url: "wss://\(host)\(url.target)", params: [], authToken: token)))
        let tokens = StreamToken(secret: token)
        parameters = { callSid in
            tokens.signed([("From", "+15550100")], callSid: callSid, now: Int64(Date().timeIntervalSince1970))
        }
    }
    let driver = CallDriver(loop: loop, calls: options.calls, url: url, headers: headers, phases: options.phases,
                            schedule: options.schedule, shape: options.shape,
                            observedPid: options.mode == .bridge ? options.bridgePid : nil, parameters: parameters)
    driver.mock = mock
    driver.grainUs = options.grainUs
    var outcome = LoadResult()
    driver.run { result in
        outcome = result
        outcome.mode = options.mode.rawValue
        outcome.arrival = options.arrival.rawValue
        outcome.shape = options.shape.rawValue
        outcome.seed = options.seed
        outcome.jitterUs = options.schedule.jitterUs
        outcome.grainUs = options.grainUs
        loop.stop()
    }
    loop.run()
    withExtendedLifetime((mock, echo)) {}
    let text = outcome.json.serialized() + "\n"
    if let path = options.jsonPath {
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) else {
            fail("could not write \(path)", status: 1)
        }
    } else {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
    let r = outcome
    FileHandle.standardError.write(Data(("vb-load \(r.mode) (\(r.arrival), \(r.shape)): \(r.callsOpened)/\(r.calls) calls, \(r.framesSent) frames, "
        + "lost \(r.framesLost), late \(r.framesLate), rtt p50 \(r.rtt.percentile(0.5)) µs p99 \(r.rtt.percentile(0.99)) µs "
        + "max \(r.rtt.max) µs, load cpu \(Int(r.loadCpuPercent))%\(r.errors.isEmpty ? "" : ", \(r.errors.count) kinds of error")\n").utf8))
} catch {
    fail("\(error)", status: 1)
}
