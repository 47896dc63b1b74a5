import JSON
import Testing
@testable import Tools

@Suite struct JSONSchemaValidatorTests {
    static let schema: JSON = [
        "type": "object",
        "properties": [
            "phone": ["type": "string", "minLength": 7, "maxLength": 15],
            "party": ["type": "integer", "minimum": 1, "maximum": 12],
            "deposit": ["type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 500],
            "slot": ["type": "string", "enum": ["morning", "evening"]],
            "notify": ["type": "boolean"],
            "note": ["type": ["string", "null"]],
            "guests": ["type": "array", "minItems": 1, "maxItems": 2,
                       "items": ["type": "object", "properties": ["name": ["type": "string"]], "required": ["name"]]],
        ],
        "required": ["phone"],
        "additionalProperties": false,
    ]

    func violations(_ arguments: JSON) -> [JSONSchemaViolation] {
        JSONSchemaValidator(schema: Self.schema).violations(of: arguments)
    }

    @Test func conformingArguments_haveNoViolation() {
        #expect(violations(["phone": "+46701234567", "party": 4, "deposit": 0.5, "slot": "evening", "notify": true,
                            "note": nil, "guests": [["name": "Ada"]]]) == [])
    }

    @Test func required_namesTheMissingField() {
        #expect(violations([:]) == [JSONSchemaViolation(field: "phone", rule: "required", message: "'phone' is required but missing")])
    }

    @Test func additionalPropertiesFalse_namesTheFieldAndTheAllowedOnes() {
        let found = violations(["phone": "+46701234567", "email": "a@b.c"])
        #expect(found.map(\.rule) == ["additionalProperties"])
        #expect(found.first?.message == "'email' is not an allowed field (allowed: phone, party, deposit, slot, notify, note, guests)")
    }

    static let brokenRules: [(JSON, String, String)] = [
        (["phone": 46701234567], "type", "'phone' must be a string (got the number 46701234567)"),
        (["phone": "+46701234567", "party": 2.5], "type", "'party' must be an integer (got the number 2.5)"),
        (["phone": "+46701234567", "notify": "yes"], "type", "'notify' must be a boolean (got the string \"yes\")"),
        (["phone": "+46701234567", "note": 3], "type", "'note' must be a string or null (got the number 3)"),
        (["phone": "123"], "minLength", "'phone' must be at least 7 characters long (got 3)"),
        (["phone": "1234567890123456"], "maxLength", "'phone' must be at most 15 characters long (got 16)"),
        (["phone": "+46701234567", "party": 0], "minimum", "'party' must be at least 1 (got 0)"),
        (["phone": "+46701234567", "party": 13], "maximum", "'party' must be at most 12 (got 13)"),
        (["phone": "+46701234567", "deposit": 0], "exclusiveMinimum", "'deposit' must be greater than 0 (got 0)"),
        (["phone": "+46701234567", "deposit": 500], "exclusiveMaximum", "'deposit' must be less than 500 (got 500)"),
        (["phone": "+46701234567", "slot": "noon"], "enum", "'slot' must be one of \"morning\", \"evening\" (got \"noon\")"),
        (["phone": "+46701234567", "guests": []], "minItems", "'guests' must have at least 1 items (got 0)"),
        (["phone": "+46701234567", "guests": [["name": "A"], ["name": "B"], ["name": "C"]]], "maxItems", "'guests' must have at most 2 items (got 3)"),
        (["phone": "+46701234567", "guests": [["name": "A"], [:]]], "required", "'guests[1].name' is required but missing"),
    ]

    @Test(arguments: brokenRules)
    func eachRule_namesTheFieldAndTheLimit(arguments: JSON, rule: String, message: String) {
        let found = violations(arguments)
        #expect(found.map(\.rule) == [rule])
        #expect(found.first?.message == message)
    }

    @Test func everyViolationIsReported_notJustTheFirst() {
        #expect(violations(["party": 40, "slot": "noon"]).map(\.field) == ["phone", "party", "slot"])
    }

    @Test func lengthCountsCharacters_notBytes() {
        #expect(violations(["phone": "ééééééé"]) == [], "7 characters, 14 bytes")
    }

    @Test func draft4BooleanExclusiveBounds_areHonoured() {
        let schema: JSON = ["type": "number", "minimum": 1, "exclusiveMinimum": true, "maximum": 9, "exclusiveMaximum": true]
        let validator = JSONSchemaValidator(schema: schema)
        #expect(validator.violations(of: 1).map(\.rule) == ["exclusiveMinimum"])
        #expect(validator.violations(of: 9).map(\.rule) == ["exclusiveMaximum"])
        #expect(validator.violations(of: 5) == [])
    }

    @Test func topLevelType_isChecked() {
        #expect(violations("text").first?.message == "'arguments' must be an object (got the string \"text\")")
    }
}
