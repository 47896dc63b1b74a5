import Foundation

/// The command line of `vb-load`.
struct LoadOptions {
    enum Mode: String { case bridge, floor, mock }

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

    static let usage = """
    usage: vb-load bridge --url ws://127.0.0.1:PORT/media-stream --mock-port PORT --cert C.pem --key K.pem
                          [--bridge-pid PID] [--calls N] [--json OUT.json] [timing]
                          [--auth-token TWILIO_AUTH_TOKEN --public-host PUBLIC_URL's host]
           vb-load floor  [--calls N] [--json OUT.json] [timing]
           vb-load mock   --mock-port PORT --cert C.pem --key K.pem

      bridge  N simulated Twilio calls against a running bridge, with the mock provider (wss) in
              this process; --bridge-pid adds the bridge's CPU, RSS and descriptors to the result
      floor   the same calls against an in-process echo endpoint, no bridge: the load side's floor
      mock    only the mock provider, until killed
    timing (ms unless said): --ramp-ms 1000 --warmup-ms 2000 --seconds 10 --drain-ms 1000 --settle-ms 4000
    Every call sends one tagged 20 ms μ-law frame every 20 ms and times its return.
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
        if mode == .bridge && options.url == nil {
            throw UsageError(description: "bridge needs --url ws://HOST:PORT/media-stream (the bridge's Media Stream URL)")
        }
        return options
    }
}
