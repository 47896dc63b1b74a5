import JSON

/// A JSON body template of an HTTP tool: any JSON, whose strings may hold `{param}`
/// placeholders. A string that is exactly one placeholder becomes the argument itself (a number
/// stays a number; a missing argument drops the member or element); placeholders inside longer
/// text are replaced by the argument's text.
enum HTTPToolBodyTemplate {
    /// The placeholder names `template` uses.
    /// - Throws: when a string's braces are not placeholders.
    static func placeholders(in template: JSON) throws(HTTPToolProblem) -> [String] {
        switch template {
        case .string(let text):
            return try HTTPToolURLTemplate.split(text).compactMap { piece -> String? in
                guard case .placeholder(let name) = piece else { return nil }
                return name
            }
        case .array(let elements):
            var names: [String] = []
            for element in elements { names += try placeholders(in: element) }
            return names
        case .object(let object):
            var names: [String] = []
            for (_, value) in object { names += try placeholders(in: value) }
            return names
        case .null, .bool, .number:
            return []
        }
    }

    /// `template` filled with `arguments`; nil for a lone placeholder whose argument is missing.
    static func fill(_ template: JSON, with arguments: JSONObject) -> JSON? {
        switch template {
        case .string(let text):
            guard let pieces = try? HTTPToolURLTemplate.split(text) else { return template }
            if pieces.count == 1, case .placeholder(let name) = pieces[0] { return arguments[name] }
            var filled = ""
            for piece in pieces {
                switch piece {
                case .literal(let literal): filled += literal
                case .placeholder(let name): filled += HTTPToolDefinition.text(of: arguments[name])
                }
            }
            return .string(filled)
        case .array(let elements):
            return .array(elements.compactMap { fill($0, with: arguments) })
        case .object(let object):
            var filled = JSONObject()
            for (key, value) in object {
                if let member = fill(value, with: arguments) { filled.append(key, member) }
            }
            return .object(filled)
        case .null, .bool, .number:
            return template
        }
    }
}
