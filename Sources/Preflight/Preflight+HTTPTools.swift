import JSON
import Tools

extension Preflight {
    /// The line for one HTTP tool file of `TOOLS_DIR`: ✔ with the tool's name and where it
    /// sends, or ✘ with what is wrong in the file.
    public static func httpToolLine(path: String, result: Result<HTTPToolDefinition, JSONFileError>) -> PreflightLine {
        switch result {
        case .success(let tool):
            return PreflightLine(.passed, "tool file \(path)", "valid", tool.summary)
        case .failure(let error):
            return PreflightLine(.failed, "tool file \(path)", "valid", error.message,
                                 fix: "fix the file (README \"HTTP tools\"); serve does not start while a tool file is invalid")
        }
    }
}
