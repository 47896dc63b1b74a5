import HTTPClient
import Server
import Calls
import Config
import Logging
import Foundation
import Net
import Tools
import Twilio

/// `voice-bridge call +46701234567 [--from N] [--agent NAME] [--instructions T | --instructions-file F] [--greeting T]`:
/// places one outbound call through Twilio's REST API and prints its Call SID. The call's
/// stream reaches the bridge running at `PUBLIC_URL`, like an inbound call.
enum CallCommand {
    static let usage = "usage: voice-bridge call TO [--from NUMBER] [--agent NAME] [--instructions TEXT | --instructions-file FILE] [--greeting TEXT]"

    static func run(_ arguments: [String]) -> Int32 {
        var to: String?, from: String?, instructions: String?, greeting: String?, agent: String?
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            func next() -> String? { rest.popFirst() }
            switch argument {
            case "--from": from = next()
            case "--instructions": instructions = next()
            case "--instructions-file":
                guard let path = next() else { return fail("--instructions-file needs a path\n\(usage)", 2) }
                guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                    return fail("cannot read --instructions-file \(path)", 2)
                }
                instructions = text
            case "--greeting": greeting = next()
            case "--agent": agent = next()
            case "-h", "--help":
                print(usage)
                return 0
            default:
                if argument.hasPrefix("--") || to != nil { return fail("unexpected argument '\(argument)'\n\(usage)", 2) }
                to = argument
            }
        }
        guard let to else { return fail("the number to call is missing\n\(usage)", 2) }
        let outbound: OutboundSettings
        let settings: Settings
        do {
            let environment = try Environment.load(dotenvPath: ".env")
            settings = try Settings.load(from: environment)
            outbound = try OutboundSettings.load(from: environment)
            try outbound.requireCredentials(because: "voice-bridge call places a call through Twilio's REST API")
        } catch {
            return fail(String(describing: error), 2)
        }
        if let agent {
            // The agent must be one the bridge that takes the stream knows: these files.
            let names: [String]
            do {
                names = try Wiring.loadAgentConfigs(settings: settings)?.map(\.name) ?? []
            } catch {
                return fail(String(describing: error), 2)
            }
            guard names.contains(agent) else {
                return fail("--agent \(agent): no such agent in \(settings.agentsDir); agents: \(names.isEmpty ? "none" : names.joined(separator: ", "))", 2)
            }
        }
        guard let host = settings.publicHost else {
            return fail("PUBLIC_URL is not set — the call's stream must reach this bridge; set it to your ngrok or load-balancer host", 2)
        }
        Logger.configure(level: settings.logLevel, format: settings.logFormat, secrets: settings.secrets + outbound.secrets)
        defer { Logger.flush() }
        do {
            let loop = try EventLoop()
            let http = HTTPClient(loop: loop, options: Wiring.httpOptions(for: settings))
            let client = TwilioCallsClient(http: http, configuration: .init(callsURL: outbound.callsURL!,
                                                                           authorization: outbound.basicAuthorization!))
            let dialer = OutboundDialer(client: client, defaultFrom: outbound.defaultFrom, publicHost: host,
                                        publicScheme: settings.publicURLScheme, records: nil,
                                        streamTokens: settings.streamTokenSecret.map(StreamToken.init(secret:)))
            if settings.streamTokenSecret == nil {
                FileHandle.standardError.write(Data("voice-bridge call: warning: neither TWILIO_AUTH_TOKEN nor BRIDGE_SECRET is set, so the call's TwiML carries no stream token; a bridge that checks Twilio signatures will refuse its stream — set the one the bridge uses\n".utf8))
            }
            var status: Int32 = 1
            try dialer.place(to: to, from: from, override: CallOverride(instructions: instructions, greeting: greeting, agent: agent)) { result in
                switch result {
                case .success(let sid):
                    print(sid)
                    status = 0
                case .failure(let error):
                    _ = fail(error.description, 1)
                }
                loop.stop()
            }
            loop.run()
            return status
        } catch let error as OutboundDialer.RequestError {
            return fail(error.description, 2)
        } catch {
            return fail(String(describing: error), 1)
        }
    }

    private static func fail(_ message: String, _ status: Int32) -> Int32 {
        FileHandle.standardError.write(Data("voice-bridge: \(message)\n".utf8))
        return status
    }
}
