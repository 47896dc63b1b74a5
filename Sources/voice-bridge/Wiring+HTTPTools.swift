import Config
import HTTPClient
import JSON
import Net
import Tools

/// HTTP tools defined by files (`TOOLS_DIR`, README "HTTP tools"): loaded and checked before
/// anything starts, so a bad file stops `serve` with the file and the fix; offered beside the
/// built-in tools, on the calls' loop.
extension Wiring {
    /// The definitions of `TOOLS_DIR` (`config/tools` by default), `${VARIABLE}`s in headers
    /// resolved from the process environment over `./.env`, as `serve` reads them.
    /// - Throws: `JSONFileError` naming the first bad file and what to fix, or `.env` errors.
    static func loadHTTPTools() throws -> [HTTPToolDefinition] {
        let environment = try Environment.load(dotenvPath: ".env")
        return try HTTPToolDirectory.load(toolsDirectory(environment), environment: { environment[$0] })
    }

    /// Every file of `TOOLS_DIR`, valid or with its error, for `voice-bridge check`.
    static func httpToolEntries() throws -> [(path: String, result: Result<HTTPToolDefinition, JSONFileError>)] {
        let environment = try Environment.load(dotenvPath: ".env")
        return HTTPToolDirectory.entries(in: toolsDirectory(environment), environment: { environment[$0] })
    }

    /// `TOOLS_DIR`, or `config/tools` when unset or empty.
    static func toolsDirectory(_ environment: Environment) -> String {
        guard let directory = environment["TOOLS_DIR"], !directory.isEmpty else { return HTTPToolDirectory.defaultPath }
        return directory
    }

    /// The tools of `definitions`, sharing one HTTP client on `loop` with the CA store and proxy
    /// the other clients use.
    static func httpTools(_ definitions: [HTTPToolDefinition], settings: Settings, loop: EventLoop) -> [Tool] {
        guard !definitions.isEmpty else { return [] }
        let client = HTTPClient(loop: loop, options: httpOptions(for: settings))
        return definitions.map { HTTPTool.make($0, client: client) }
    }
}
