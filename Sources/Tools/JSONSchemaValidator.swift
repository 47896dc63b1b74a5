import JSON

/// Checks a value against the subset of JSON Schema (2020-12, draft 4's boolean exclusive
/// bounds too) that tool parameters use: `type` (a name or a list), `properties`, `required`,
/// `additionalProperties` (`false` or a schema), `enum`, `minimum`/`maximum` and their exclusive
/// forms, `minLength`/`maxLength`, `items`, `minItems`/`maxItems`.
///
/// Other keywords (`description`, `format`, `pattern`…) are for the model only and not enforced.
/// Every violation is reported, not just the first, so the model can fix its call in one go.
public struct JSONSchemaValidator: Sendable {
    /// The schema.
    public let schema: JSON

    /// A validator for `schema`.
    public init(schema: JSON) {
        self.schema = schema
    }

    /// Every rule `value` breaks, in document order; empty when it conforms.
    public func violations(of value: JSON) -> [JSONSchemaViolation] {
        var found: [JSONSchemaViolation] = []
        Self.check(value, against: schema, at: "", into: &found)
        return found
    }

    private static func check(_ value: JSON, against schema: JSON, at path: String, into found: inout [JSONSchemaViolation]) {
        guard case .object(let rules) = schema else { return }
        let field = path.isEmpty ? "arguments" : path
        func fail(_ rule: String, _ message: String) {
            found.append(JSONSchemaViolation(field: field, rule: rule, message: message))
        }
        if let type = rules["type"] {
            let allowed = type.arrayValue?.compactMap(\.stringValue) ?? type.stringValue.map { [$0] } ?? []
            if !allowed.isEmpty && !allowed.contains(where: { matches(value, type: $0) }) {
                fail("type", "'\(field)' must be \(allowed.map(article).joined(separator: " or ")) (got \(describe(value)))")
                return  // the other rules assume the type
            }
        }
        if let options = rules["enum"]?.arrayValue, !options.contains(value) {
            fail("enum", "'\(field)' must be one of \(options.map { $0.serialized() }.joined(separator: ", ")) (got \(value.serialized()))")
        }
        switch value {
        case .number(let number):
            checkBounds(number, rules) { rule, message in fail(rule, "'\(field)' " + message) }
        case .string(let text):
            let length = text.unicodeScalars.count  // JSON Schema counts characters (code points)
            if let min = rules["minLength"]?.intValue, length < min {
                fail("minLength", "'\(field)' must be at least \(min) characters long (got \(length))")
            }
            if let max = rules["maxLength"]?.intValue, length > max {
                fail("maxLength", "'\(field)' must be at most \(max) characters long (got \(length))")
            }
        case .array(let elements):
            if let min = rules["minItems"]?.intValue, elements.count < min {
                fail("minItems", "'\(field)' must have at least \(min) items (got \(elements.count))")
            }
            if let max = rules["maxItems"]?.intValue, elements.count > max {
                fail("maxItems", "'\(field)' must have at most \(max) items (got \(elements.count))")
            }
            if let items = rules["items"] {
                for (index, element) in elements.enumerated() {
                    check(element, against: items, at: "\(field)[\(index)]", into: &found)
                }
            }
        case .object(let members):
            checkObject(members, rules, path: path, field: field, into: &found)
        case .null, .bool:
            break
        }
    }

    private static func checkObject(_ members: JSONObject, _ rules: JSONObject, path: String, field: String,
                                    into found: inout [JSONSchemaViolation]) {
        let properties = rules["properties"]?.objectValue ?? JSONObject()
        for name in rules["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where members[name] == nil {
            let missing = path.isEmpty ? name : "\(path).\(name)"
            found.append(JSONSchemaViolation(field: missing, rule: "required", message: "'\(missing)' is required but missing"))
        }
        for (name, member) in members {
            let memberPath = path.isEmpty ? name : "\(path).\(name)"
            if let schema = properties[name] {
                check(member, against: schema, at: memberPath, into: &found)
            } else if let extra = rules["additionalProperties"] {
                if extra == .bool(false) {
                    let allowed = properties.keys.isEmpty ? "none" : properties.keys.joined(separator: ", ")
                    found.append(JSONSchemaViolation(field: memberPath, rule: "additionalProperties",
                                                     message: "'\(memberPath)' is not an allowed field (allowed: \(allowed))"))
                } else if extra.objectValue != nil {
                    check(member, against: extra, at: memberPath, into: &found)
                }
            }
        }
    }

    private static func checkBounds(_ number: Double, _ rules: JSONObject, _ fail: (String, String) -> Void) {
        let got = JSON.number(number).serialized()
        // Draft 4 wrote `"exclusiveMinimum": true` beside `minimum`; 2020-12 gives the bound itself.
        let minimumIsExclusive = rules["exclusiveMinimum"] == .bool(true)
        let maximumIsExclusive = rules["exclusiveMaximum"] == .bool(true)
        if let min = rules["minimum"]?.doubleValue {
            if minimumIsExclusive ? number <= min : number < min {
                fail(minimumIsExclusive ? "exclusiveMinimum" : "minimum",
                     "must be \(minimumIsExclusive ? "greater than" : "at least") \(JSON.number(min).serialized()) (got \(got))")
            }
        }
        if let max = rules["maximum"]?.doubleValue {
            if maximumIsExclusive ? number >= max : number > max {
                fail(maximumIsExclusive ? "exclusiveMaximum" : "maximum",
                     "must be \(maximumIsExclusive ? "less than" : "at most") \(JSON.number(max).serialized()) (got \(got))")
            }
        }
        if let min = rules["exclusiveMinimum"]?.doubleValue, number <= min {
            fail("exclusiveMinimum", "must be greater than \(JSON.number(min).serialized()) (got \(got))")
        }
        if let max = rules["exclusiveMaximum"]?.doubleValue, number >= max {
            fail("exclusiveMaximum", "must be less than \(JSON.number(max).serialized()) (got \(got))")
        }
    }

    /// Whether `value` is of the JSON Schema type `name` (an integer is a number without a fraction).
    static func matches(_ value: JSON, type name: String) -> Bool {
        switch (name, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("null", .null),
             ("number", .number):
            return true
        case ("integer", .number(let number)):
            return number.isFinite && number.rounded(.towardZero) == number
        default:
            return false
        }
    }

    private static func article(_ type: String) -> String {
        switch type {
        case "object", "array", "integer": return "an \(type)"
        case "null": return "null"
        default: return "a \(type)"
        }
    }

    private static func describe(_ value: JSON) -> String {
        switch value {
        case .null: return "null"
        case .bool(let flag): return "the boolean \(flag)"
        case .number: return "the number \(value.serialized())"
        case .string(let text): return "the string \(JSON.quoted(text.count > 40 ? String(text.prefix(40)) + "…" : text))"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}
