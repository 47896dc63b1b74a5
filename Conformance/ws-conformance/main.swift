import Foundation
import Net

// ws-conformance: a test-only driver that puts this project's real WebSocket stack (WSConnection
// over Net.Connection on the epoll EventLoop, served by HTTPServer + WSServerUpgrade) in front of
// the Autobahn TestSuite. It is a separate executable, never linked into `voice-bridge`.

let usage = """
usage: ws-conformance <mode> [options]

modes:
  echo-server --port N [--host 127.0.0.1]
        an HTTP server whose every path upgrades to a WebSocket that echoes each message
        (Autobahn "fuzzingclient" mode tests it)
  autobahn-client [--url ws://127.0.0.1:9001] [--agent voice-bridge]
        walks an Autobahn "fuzzingserver": getCaseCount, every runCase (echoing), updateReports;
        AUTOBAHN_URL, when set, is the default --url
"""

signal(SIGPIPE, SIG_IGN)
let mode = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "help"
let arguments = Array(CommandLine.arguments.dropFirst(2))

/// The value after `--name`, or `fallback`.
@MainActor func option(_ name: String, _ fallback: String?) -> String? {
    guard let index = arguments.firstIndex(of: "--" + name), index + 1 < arguments.count else { return fallback }
    return arguments[index + 1]
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("ws-conformance: \(message)\n".utf8))
    exit(2)
}

do {
    switch mode {
    case "echo-server":
        guard let portText = option("port", nil), let port = Int(portText) else { fail("echo-server needs --port N\n\(usage)") }
        let loop = try EventLoop()
        let server = try ConformanceEchoServer(host: option("host", "127.0.0.1")!, port: port, loop: loop)
        print("ws-conformance echo server listening on ws://\(option("host", "127.0.0.1")!):\(server.port)/")
        fflush(nil)
        loop.run()
    case "autobahn-client":
        let url = option("url", ProcessInfo.processInfo.environment["AUTOBAHN_URL"] ?? "ws://127.0.0.1:9001")!
        let loop = try EventLoop()
        let client = ConformanceAutobahnClient(baseURL: url, agent: option("agent", "voice-bridge")!, loop: loop)
        client.start()
        loop.run()
        print("ws-conformance client: \(client.summary)")
        exit(client.failed ? 1 : 0)
    case "help", "-h", "--help":
        print(usage)
    default:
        fail("unknown mode '\(mode)'\n\(usage)")
    }
} catch {
    fail("\(error)")
}
