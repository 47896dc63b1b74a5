import Foundation
import JSON

/// The HTTP tool files of a directory (`TOOLS_DIR`, `config/tools` by default): every `*.json`
/// directly in it, one tool each, in file-name order. Other files (`examples/…`, `*.json.example`)
/// are not read; a missing directory means no HTTP tools.
public enum HTTPToolDirectory {
    /// `TOOLS_DIR` when unset.
    public static let defaultPath = "config/tools"

    /// Each file's definition or what is wrong with it, in file-name order. A name already taken
    /// by an earlier file is an error of the later one.
    public static func entries(in directory: String,
                               environment: (String) -> String?) -> [(path: String, result: Result<HTTPToolDefinition, JSONFileError>)] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else { return [] }
        guard isDirectory.boolValue, let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
            return [(directory, .failure(JSONFileError(path: directory, message: "TOOLS_DIR must be a readable directory")))]
        }
        var entries: [(path: String, result: Result<HTTPToolDefinition, JSONFileError>)] = []
        var taken: [String: String] = [:]
        for name in names.filter({ $0.hasSuffix(".json") }).sorted() {
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            let result = Result { () throws(JSONFileError) -> HTTPToolDefinition in
                guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                    throw JSONFileError(path: path, message: "cannot be read as UTF-8 text")
                }
                let definition = try HTTPToolDefinition(path: path, text: text, environment: environment)
                if let other = taken[definition.name] {
                    throw JSONFileError(path: path, message: "name '\(definition.name)' is already used by \(other); each tool needs its own name")
                }
                taken[definition.name] = path
                return definition
            }
            entries.append((path, result))
        }
        return entries
    }

    /// Every definition of `directory`.
    /// - Throws: the first file's error, naming the file and the fix.
    public static func load(_ directory: String, environment: (String) -> String?) throws(JSONFileError) -> [HTTPToolDefinition] {
        var definitions: [HTTPToolDefinition] = []
        for entry in entries(in: directory, environment: environment) {
            definitions.append(try entry.result.get())
        }
        return definitions
    }
}
