import Foundation

/// The command line of `vb-load`.
struct LoadOptions {
    enum Mode: String { case bridge, floor, mock }
    /// What the mock provider answers: every append at once with the same audio (`echo`, the worst
    /// case, every frame's round trip timed), or in turns as a conversation (`talk`).
    enum Shape: String, CaseIterable { case echo, talk }

    var mode = Mode.floor
    var calls = 10
    var url: String?
    var mockPort = 0
    var certFile: String?
    var keyFile: String?
    var bridgePid: Int32?
    var jsonPath: String?
    /// Signs each Media Stream upgrade as Twilio does (`X-Twilio-Signature` over
    /// `wss://PUBLIC_HOST/media-stream`), for a bridge that checks signatures.
    var authToken: String?
    var publicHost: String?
    var phases = CallDriver.Phases()
    var arrival = ArrivalSchedule.Arrival.random
    var shape = Shape.echo
    var seed: UInt64 = 1
    /// Per-frame jitter of random arrival, ± microseconds.
    var jitterUs: Int64 = 2_000
    /// Frames due within this many µs of each other leave in one wake-up (`FramePacer`).
    var grainUs: Int64 = 0
    /// Talk: the shortest listening or speaking turn, milliseconds.
    var turnMs = 2_000

    var schedule: ArrivalSchedule { ArrivalSchedule(arrival: arrival, seed: seed, jitterUs: jitterUs) }

    static let usage = """
    usage: vb-load bridge --url ws://127.0.0.1:PORT/media-stream --mock-port PORT --cert C.pem --key K.pem
                          [--bridge-pid PID] [--calls N] [--json OUT.json] [timing] [traffic]
                          [--auth-token TWILIO_AUTH_TOKEN --public-host PUBLIC_URL's host]
           vb-load floor  [--calls N] [--json OUT.json] [timing] [traffic]
           vb-load mock   --mock-port PORT --cert C.pem --key K.pem [--shape echo|talk] [--seed N]

      bridge  N simulated Twilio calls against a running bridge, with the mock provider (wss) in
              this process; --bridge-pid adds the bridge's CPU, RSS and descriptors to the result
      floor   the same calls against an in-process echo endpoint, no bridge: the load side's floor
      mock    only the mock provider, until killed
    timing (ms unless said): --ramp-ms 1000 --warmup-ms 2000 --seconds 10 --drain-ms 1000 --settle-ms 4000
    traffic: --arrival random|slotted (default random) --jitter-ms 2 --seed 1 --shape echo|talk (default echo)
             --grain-us 0 (frames due within this many µs leave together: fewer wake-ups of the load side)
             --turn-ms 2000 (talk: each turn lasts this to twice this)
    Every call sends one tagged 20 ms μ-law frame every 20 ms. random: each call at its own phase
    (µs resolution) with ±jitter per frame; slotted: call i in 1 ms slot i mod 20, no jitter.
    echo: the mock answers each append at once with the same audio, and each frame's round trip is
    timed. talk: the mock listens and speaks in turns (about half the time each), in audio deltas
    of 40-200 ms at real-time pace; audio is counted, not timed (floor mode is echo only).
    """

    struct UsageError: Error, CustomStringConvertible { let description: String }

    static func parse(_ arguments: [String]) throws -> LoadOptions {
        var options = LoadOptions()
        var args = arguments[...]
        guard let modeName = args.popFirst(), let mode = Mode(rawValue: modeName) else {
            throw UsageError(description: "the first argument must be bridge, floor or mock")
        }
        options.mode = mode
        func value(_ flag: String) throws -> String {
            guard let v = args.popFirst() else { throw UsageError(description: "\(flag) needs a value") }
            return v
        }
        func int(_ flag: String) throws -> Int {
            let text = try value(flag)
            guard let v = Int(text), v >= 0 else { throw UsageError(description: "\(flag) must be a whole number, not '\(text)'") }
            return v
        }
        while let flag = args.popFirst() {
            switch flag {
            case "--calls": options.calls = try int(flag)
            case "--url": options.url = try value(flag)
            case "--mock-port": options.mockPort = try int(flag)
            case "--cert": options.certFile = try value(flag)
            case "--key": options.keyFile = try value(flag)
            case "--bridge-pid": options.bridgePid = Int32(try int(flag))
            case "--json": options.jsonPath = try value(flag)
            case "--auth-token": options.authToken = try value(flag)
            case "--public-host": options.publicHost = try value(flag)
            case "--ramp-ms": options.phases.rampMs = Int64(try int(flag))
            case "--warmup-ms": options.phases.warmupMs = Int64(try int(flag))
            case "--seconds": options.phases.windowMs = Int64(try int(flag)) * 1000
            case "--drain-ms": options.phases.drainMs = Int64(try int(flag))
            case "--settle-ms": options.phases.settleMs = Int64(try int(flag))
            case "--seed": options.seed = UInt64(try int(flag))
            case "--grain-us":
                options.grainUs = Int64(try int(flag))
                guard options.grainUs <= 1_000 else { throw UsageError(description: "--grain-us must be from 0 to 1000 (microseconds)") }
            case "--turn-ms":
                options.turnMs = try int(flag)
                guard options.turnMs >= 100 else { throw UsageError(description: "--turn-ms must be at least 100 (milliseconds)") }
            case "--arrival":
                let text = try value(flag)
                guard let arrival = ArrivalSchedule.Arrival(rawValue: text) else {
                    throw UsageError(description: "--arrival must be random or slotted, not '\(text)'")
                }
                options.arrival = arrival
            case "--shape":
                let text = try value(flag)
                guard let shape = Shape(rawValue: text) else {
                    throw UsageError(description: "--shape must be echo or talk, not '\(text)'")
                }
                options.shape = shape
            case "--jitter-ms":
                let text = try value(flag)
                guard let ms = Double(text), ms >= 0, ms * 1000 <= Double(ArrivalSchedule.maxJitterUs) else {
                    throw UsageError(description: "--jitter-ms must be from 0 to 9.999 (± milliseconds; more could reorder a call's frames), not '\(text)'")
                }
                options.jitterUs = Int64((ms * 1000).rounded())
            default: throw UsageError(description: "unknown option '\(flag)'")
            }
        }
        guard options.calls >= 1, options.calls <= 65_536 else {
            throw UsageError(description: "--calls must be between 1 and 65536")
        }
        if mode != .floor {
            guard options.certFile != nil, options.keyFile != nil, options.mockPort > 0 else {
                throw UsageError(description: "\(mode.rawValue) needs --mock-port, --cert and --key (the mock provider speaks wss)")
            }
        }
        if (options.authToken == nil) != (options.publicHost == nil) {
            throw UsageError(description: "--auth-token and --public-host go together (the signed URL is wss://PUBLIC_HOST/media-stream)")
        }
        if mode == .floor && options.shape == .talk {
            throw UsageError(description: "floor mode echoes every frame: --shape talk needs bridge mode (the mock provider talks)")
        }
        if mode == .bridge && options.url == nil {
            throw UsageError(description: "bridge needs --url ws://HOST:PORT/media-stream (the bridge's Media Stream URL)")
        }
        return options
    }
}
