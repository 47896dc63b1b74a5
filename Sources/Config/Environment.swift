import Foundation

/// The variables the bridge reads its configuration from: the process environment laid over an
/// optional `.env` file. A variable set in the process wins over the same name in `.env`, so a
/// deployment can override a checked-in default without editing the file.
public struct Environment: Sendable {
    /// The merged variables.
    public let values: [String: String]

    /// Merges `process` over `dotenv`.
    public init(process: [String: String], dotenv: [String: String] = [:]) {
        values = dotenv.merging(process) { _, fromProcess in fromProcess }
    }

    /// Loads the process environment (`ProcessInfo`) over the `.env` file at `dotenvPath`.
    ///
    /// A missing file is fine (configuration may come from the process alone); a file that
    /// exists but cannot be read or parsed throws `DotEnvError`.
    public static func load(dotenvPath: String = ".env") throws -> Environment {
        let process = ProcessInfo.processInfo.environment
        guard FileManager.default.fileExists(atPath: dotenvPath) else {
            return Environment(process: process)
        }
        let text: String
        do {
            text = try String(contentsOfFile: dotenvPath, encoding: .utf8)
        } catch {
            throw DotEnvError.unreadable(path: dotenvPath, reason: "\(error.localizedDescription)")
        }
        return Environment(process: process, dotenv: try DotEnv.parse(text, path: dotenvPath))
    }

    /// The value of `name`, or nil when it is not set.
    ///
    /// A variable set to the empty string returns `""`: whether that means "unset" or "empty on
    /// purpose" (`GREETING=` silences the greeting) is the caller's decision.
    public subscript(_ name: String) -> String? {
        values[name]
    }
}
