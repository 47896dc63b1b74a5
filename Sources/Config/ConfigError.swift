/// A configuration variable that is missing or invalid.
///
/// The executable prints `description` and exits with status 2.
public struct ConfigError: Error, Equatable, CustomStringConvertible {
    /// The environment variable at fault, such as `AZURE_OPENAI_ENDPOINT`.
    public let variable: String
    /// What is wrong and how to fix it, in one line.
    public let message: String

    /// Creates an error about `variable`.
    public init(variable: String, message: String) {
        self.variable = variable
        self.message = message
    }

    /// One line: the variable's name, then what is wrong and the fix.
    public var description: String {
        "\(variable): \(message)"
    }
}
