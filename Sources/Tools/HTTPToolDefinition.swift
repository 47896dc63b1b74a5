import HTTPClient
import JSON

/// One HTTP tool, read from a file of `TOOLS_DIR` (README "HTTP tools"): what the model sees
/// (name, description, parameters) and the request a call makes.
///
/// ```json
/// {"name": "lookup_appointment", "description": "…",
///  "parameters": {"type": "object", "properties": {"phone": {"type": "string"}}, "required": ["phone"]},
///  "request": {"method": "GET", "url": "https://api.example.com/appointments?phone={phone}",
///              "headers": {"Authorization": "Bearer ${CLINIC_API_KEY}"}},
///  "timeout_ms": 4000, "response": {"max_bytes": 1500, "keep": ["/appointment/time"]}}
/// ```
public struct HTTPToolDefinition: Sendable {
    /// What a request carries.
    public enum Body: Equatable, Sendable {
        /// No body (the default for `GET`).
        case absent
        /// The validated arguments as a JSON object (the default otherwise).
        case arguments
        /// This JSON, its `{param}` strings filled from the arguments.
        case template(JSON)
    }

    /// The fields a file may have, at the top and in `request` and `response`.
    public static let knownFields = ["name", "description", "parameters", "request", "timeout_ms", "response"]
    static let knownRequestFields = ["method", "url", "headers", "body"]
    static let knownResponseFields = ["max_bytes", "keep"]
    /// Methods a tool may use.
    public static let methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
    /// Names of the built-in tools, which a file may not take.
    public static let reservedNames = [HangUpTool.name, WebSearchTool.name]
    /// `timeout_ms` when absent, and its bounds.
    public static let defaultTimeoutMs = 5_000
    static let timeoutRange = 100...30_000
    /// `response.max_bytes` when absent, and its bounds (room for the truncation note, at least).
    public static let defaultMaxBytes = 2_000
    static let maxBytesRange = 200...100_000

    /// The file it came from.
    public let path: String
    /// The function name.
    public let name: String
    /// What the model reads about when to call it.
    public let description: String
    /// The JSON Schema of the arguments, offered to the model and enforced before a request.
    public let parameters: JSON
    /// `GET`, `POST`, `PUT`, `PATCH` or `DELETE`.
    public let method: String
    /// Where the request goes.
    public let url: HTTPToolURLTemplate
    /// Header fields, `${VARIABLE}`s resolved. They may hold secrets: never log them.
    public let headers: [(String, String)]
    /// What the request carries.
    public let body: Body
    /// Deadline for the whole exchange.
    public let timeoutMs: Int
    /// The most the model gets of a response, in UTF-8 bytes.
    public let maxBytes: Int
    /// The parts of the response kept (all of it when empty).
    public let keep: [JSONPointer]
    /// The values of the `${VARIABLE}`s used, for the logger to redact.
    public let secrets: [String]

    /// Reads `file`, resolving `${VARIABLE}`s in headers with `environment`.
    /// - Throws: `JSONFileError` naming the file, the field and the fix.
    public init(file: JSONFile, environment: (String) -> String?) throws(JSONFileError) {
        let path = file.path
        func problem(_ message: String) -> JSONFileError { JSONFileError(path: path, message: message) }
        let root = try file.object(known: Self.knownFields)
        self.path = path

        guard let name = root["name"]?.stringValue else { throw problem("'name' is missing or not a string") }
        guard Tool.isValidName(name) else {
            throw problem("name '\(name)' must be 1 to 64 letters, digits, '_' or '-'")
        }
        guard !Self.reservedNames.contains(name) else {
            throw problem("name '\(name)' is a built-in tool; choose another name")
        }
        self.name = name
        guard let description = root["description"]?.stringValue, !description.allSatisfy(\.isWhitespace) else {
            throw problem("'description' is missing or empty; tell the model when to call this tool")
        }
        self.description = description
        guard let parameters = root["parameters"], parameters["type"]?.stringValue == "object" else {
            throw problem("'parameters' must be a JSON Schema object with \"type\": \"object\"")
        }
        self.parameters = parameters
        let declared = parameters["properties"]?.objectValue?.keys ?? []
        for required in parameters["required"]?.arrayValue ?? [] where !declared.contains(required.stringValue ?? "") {
            throw problem("parameters.required names \(required.serialized()), which is not in parameters.properties")
        }

        let request = try Self.object(root["request"], field: "request", known: Self.knownRequestFields, required: true, problem)
        guard let method = request["method"]?.stringValue?.uppercased(), Self.methods.contains(method) else {
            throw problem("request.method must be one of \(Self.methods.joined(separator: ", "))")
        }
        self.method = method
        guard let urlText = request["url"]?.stringValue else { throw problem("request.url is missing or not a string") }
        let headerObject = try Self.object(request["headers"], field: "request.headers", known: nil, required: false, problem)
        do throws(HTTPToolProblem) {
            do throws(HTTPToolProblem) {
                url = try HTTPToolURLTemplate(urlText)
            } catch {
                throw HTTPToolProblem("request.url: " + error.message)
            }
            let resolved = try HTTPToolHeaders.resolve(headerObject, field: "request.headers", environment: environment)
            headers = resolved.headers
            secrets = resolved.secrets
            switch request["body"] {
            case nil:
                body = method == "GET" ? .absent : .arguments
            case .string("arguments")?:
                guard method != "GET" else { throw HTTPToolProblem("request.body: a GET request has no body; remove it") }
                body = .arguments
            case .object(let template)?:
                guard method != "GET" else { throw HTTPToolProblem("request.body: a GET request has no body; remove it") }
                body = .template(.object(template))
            default:
                throw HTTPToolProblem("request.body must be \"arguments\" or a JSON object template")
            }
            var used = url.placeholders
            if case .template(let template) = body { used += try HTTPToolBodyTemplate.placeholders(in: template) }
            for placeholder in used where !declared.contains(placeholder) {
                throw HTTPToolProblem("placeholder {\(placeholder)} names no parameter; declared: \(declared.isEmpty ? "none" : declared.joined(separator: ", "))")
            }
        } catch {
            throw problem(error.message)
        }

        timeoutMs = try Self.integer(root["timeout_ms"], field: "timeout_ms", default: Self.defaultTimeoutMs, range: Self.timeoutRange, problem)
        let response = try Self.object(root["response"], field: "response", known: Self.knownResponseFields, required: false, problem)
        maxBytes = try Self.integer(response["max_bytes"], field: "response.max_bytes", default: Self.defaultMaxBytes,
                                    range: Self.maxBytesRange, problem)
        var keep: [JSONPointer] = []
        if let list = response["keep"] {
            guard let entries = list.arrayValue else { throw problem("response.keep must be an array of JSON Pointers such as \"/appointment/time\"") }
            for entry in entries {
                guard let text = entry.stringValue, let pointer = JSONPointer(text) else {
                    throw problem("response.keep: \(entry.serialized()) is not a JSON Pointer (RFC 6901): write \"/field/0/subfield\"")
                }
                keep.append(pointer)
            }
        }
        self.keep = keep
    }

    /// Parses `text` read from `path` (see `init(file:environment:)`).
    public init(path: String, text: String, environment: (String) -> String?) throws(JSONFileError) {
        try self.init(file: try JSONFile(path: path, text: text), environment: environment)
    }

    /// `name: METHOD scheme://host`, for `check` and logs: no path (it may carry arguments), no header.
    public var summary: String { "\(name): \(method) \(url.scheme)://\(url.authority)" }

    /// An argument as text for a URL or a string template: strings as they are, numbers and
    /// booleans as JSON writes them, nothing for a missing or null one, JSON for the rest.
    static func text(of value: JSON?) -> String {
        switch value {
        case nil, .null?: return ""
        case .string(let text)?: return text
        case let other?: return other.serialized()
        }
    }

    /// `value` as an object whose keys are among `known` (any key when nil); empty when absent
    /// and not `required`.
    private static func object(_ value: JSON?, field: String, known: [String]?, required: Bool,
                               _ problem: (String) -> JSONFileError) throws(JSONFileError) -> JSONObject {
        guard let value else {
            if required { throw problem("'\(field)' is missing") }
            return JSONObject()
        }
        guard let object = value.objectValue else { throw problem("'\(field)' must be a JSON object") }
        if let known {
            for key in object.keys where !known.contains(key) {
                throw problem("unknown field '\(field).\(key)'; known fields of \(field): \(known.joined(separator: ", "))")
            }
        }
        return object
    }

    /// A whole number within `range`, or `fallback` when absent.
    private static func integer(_ value: JSON?, field: String, default fallback: Int, range: ClosedRange<Int>,
                                _ problem: (String) -> JSONFileError) throws(JSONFileError) -> Int {
        guard let value else { return fallback }
        guard let number = value.doubleValue, number.rounded(.towardZero) == number, range.contains(Int(exactly: number) ?? -1) else {
            throw problem("'\(field)' must be a whole number from \(range.lowerBound) to \(range.upperBound) (got \(value.serialized()))")
        }
        return Int(number)
    }
}
