/// A JSON configuration file a person writes (an agent, an HTTP tool, an MCP server): parsed
/// with errors that name the file, the line and the column, and read field by field with errors
/// that name the file and the field.
public struct JSONFile: Sendable {
    /// The path, as errors name it.
    public let path: String
    /// The whole document.
    public let root: JSON

    /// Parses `text` read from `path`.
    /// - Throws: `JSONFileError` naming the file, line and column of malformed JSON.
    public init(path: String, text: String) throws(JSONFileError) {
        self.path = path
        do throws(JSONError) {
            root = try JSON.parse(text)
        } catch {
            let (line, column) = Self.lineAndColumn(of: error.offset, in: text)
            throw JSONFileError(path: path, message: "line \(line), column \(column): \(error.reason)")
        }
    }

    /// The 1-based line and column (in characters) of the UTF-8 byte `offset` of `text`.
    public static func lineAndColumn(of offset: Int, in text: String) -> (line: Int, column: Int) {
        var line = 1, column = 1, index = 0
        for scalar in text.unicodeScalars {
            guard index < offset else { break }
            index += String(scalar).utf8.count
            if scalar == "\n" { line += 1; column = 1 } else { column += 1 }
        }
        return (line, column)
    }

    /// The root as an object whose keys are all among `known`.
    /// - Throws: naming the first unknown field and listing the known ones.
    public func object(known: [String]) throws(JSONFileError) -> JSONObject {
        guard let object = root.objectValue else { throw JSONFileError(path: path, message: "the file must hold one JSON object") }
        for key in object.keys where !known.contains(key) {
            throw JSONFileError(path: path, message: "unknown field '\(key)'; known fields: \(known.joined(separator: ", "))")
        }
        return object
    }
}

/// A configuration file that is not what it must be: the file, and what to fix.
public struct JSONFileError: Error, CustomStringConvertible, Equatable, Sendable {
    public let path: String
    public let message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
}
