import Testing
import JSON

@Suite struct JSONFileTests {
    @Test func malformedJSON_namesTheFileLineAndColumn() {
        let error = #expect(throws: JSONFileError.self) {
            try JSONFile(path: "config/agents/sales.json", text: "{\n  \"name\": \"sales\",\n  \"greeting\": \"hi\"\n  \"voice\": 1\n}")
        }
        #expect(error?.description.hasPrefix("config/agents/sales.json: line 4, column 3:") == true, "\(String(describing: error))")
    }

    @Test func unknownFields_areNamedWithTheKnownOnes() throws {
        let file = try JSONFile(path: "a.json", text: #"{"name":"x","greting":"hi"}"#)
        let error = #expect(throws: JSONFileError.self) { try file.object(known: ["name", "greeting"]) }
        #expect(error?.message == "unknown field 'greting'; known fields: name, greeting")
        #expect(try JSONFile(path: "a.json", text: #"{"name":"x"}"#).object(known: ["name"])["name"] == "x")
        #expect(throws: JSONFileError.self) { try JSONFile(path: "a.json", text: "[1]").object(known: []) }
    }

    @Test func lineAndColumn_countCharactersNotBytes() {
        #expect(JSONFile.lineAndColumn(of: 0, in: "x") == (1, 1))
        #expect(JSONFile.lineAndColumn(of: 5, in: "ab\nμc") == (2, 2), "c follows μ, two bytes but one column")
    }
}
