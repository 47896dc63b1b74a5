import JSON

/// The `request.headers` of an HTTP tool file: names and values, with `${VARIABLE}` in a value
/// resolved once, at load, from the environment the daemon reads (the process over `.env`).
///
/// The resolved variables are secrets (an API key, a bearer token): they are returned apart so
/// the logger can redact them, and no log line ever carries a header value.
enum HTTPToolHeaders {
    /// The headers of `object` in file order, and the values of the variables they used.
    /// - Throws: naming the header and what to fix: a bad name, an unset variable, a line break.
    static func resolve(_ object: JSONObject, field: String,
                        environment: (String) -> String?) throws(HTTPToolProblem) -> (headers: [(String, String)], secrets: [String]) {
        var headers: [(String, String)] = []
        var secrets: [String] = []
        for (name, value) in object {
            guard isToken(name) else {
                throw HTTPToolProblem("\(field): '\(name)' is not a header name (letters, digits and !#$%&'*+-.^_`|~)")
            }
            guard let template = value.stringValue else {
                throw HTTPToolProblem("\(field).\(name) must be a string")
            }
            let (resolved, used) = try substitute(template, field: "\(field).\(name)", environment: environment)
            guard !resolved.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) else {
                throw HTTPToolProblem("\(field).\(name): the value contains a line break (check the variables it uses)")
            }
            headers.append((name, resolved))
            secrets += used
        }
        return (headers, secrets)
    }

    /// `text` with each `${NAME}` replaced by the variable's value, and those values.
    static func substitute(_ text: String, field: String,
                           environment: (String) -> String?) throws(HTTPToolProblem) -> (String, [String]) {
        var output = ""
        var values: [String] = []
        var rest = Substring(text)
        while let start = rest.range(of: "${") {
            output += rest[..<start.lowerBound]
            guard let close = rest[start.upperBound...].firstIndex(of: "}") else {
                throw HTTPToolProblem("\(field): '${' without its '}'; write ${VARIABLE_NAME}")
            }
            let name = String(rest[start.upperBound..<close])
            guard !name.isEmpty, name.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_") }) else {
                throw HTTPToolProblem("\(field): '${\(name)}' is not a variable name (letters, digits and _)")
            }
            guard let value = environment(name), !value.isEmpty else {
                throw HTTPToolProblem("\(field) uses ${\(name)}, which is not set — set \(name) in the environment or .env")
            }
            output += value
            values.append(value)
            rest = rest[rest.index(after: close)...]
        }
        output += rest
        return (output, values)
    }

    /// RFC 9110 §5.6.2: `token = 1*tchar`.
    static func isToken(_ name: String) -> Bool {
        !name.isEmpty && name.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "!#$%&'*+-.^_`|~".unicodeScalars.contains(scalar))
        }
    }
}
