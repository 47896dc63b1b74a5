import Foundation

// voice-bridge: the executable only parses the command line and wires the modules together.

let usage = """
usage: voice-bridge <command> [options]

commands:
  serve       run the bridge (HTTP webhook + Twilio Media Streams), configured by env and ./.env
  simulate    play a WAV file into a running bridge as Twilio would, and record the reply
              --wav IN.wav --out REPLY.wav [--url ws://127.0.0.1:5050/media-stream] [--linger-ms 3000] [--max-tail-ms 30000]
              [--webhook [--webhook-gap-ms N]]  fetch /incoming-call first, as Twilio does (pre-warm)
              [--dtmf DIGIT@MS]...  press a key MS into the call   [--param NAME=VALUE]...  a start parameter (agent=NAME)
              signs the upgrade (and the --webhook request) as Twilio would when TWILIO_AUTH_TOKEN is set (env or ./.env)
  check       pre-flight: validate the configuration, agents, HTTP tools and MCP files, then check each provider
              deployment (DNS, TLS, WebSocket upgrade, session.update or session.start), the managed identity,
              Tavily and PUBLIC_URL;
              one ✔/✘ line per step, exit status 0 only when everything passed
  call        place an outbound call through Twilio's REST API; its stream reaches the bridge at PUBLIC_URL
              TO [--from NUMBER] [--agent NAME] [--instructions TEXT | --instructions-file FILE] [--greeting TEXT]
              prints the Call SID, or Twilio's error code and message with what to do
  help        show this text

Configuration: see .env.example (every variable is documented there).
"""

signal(SIGPIPE, SIG_IGN)
var arguments = Array(CommandLine.arguments.dropFirst())
let command = arguments.isEmpty ? "help" : arguments.removeFirst()
switch command {
case "serve":
    exit(ServeCommand.run(arguments))
case "simulate":
    exit(SimulateCommand.run(arguments))
case "call":
    exit(CallCommand.run(arguments))
case "check":
    exit(CheckCommand.run(arguments))
case "help", "-h", "--help":
    print(usage)
default:
    FileHandle.standardError.write(Data("voice-bridge: unknown command '\(command)'\n\n\(usage)\n".utf8))
    exit(2)
}
