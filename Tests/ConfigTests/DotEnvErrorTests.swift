import Foundation
import Testing
import Config

/// What a person reads about a broken `.env`: the file, the line, the problem and the fix, and
/// never the line itself, which is often a secret pasted on its own.
@Suite struct DotEnvErrorTests {
    @Test func malformedLine_namesTheFileAndLine_butNotTheSecret() throws {
        let path = NSTemporaryDirectory() + "env-test-\(UUID().uuidString).env"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "GOOD=1\n# the key:\nsk-proj-SECRETVALUE123\n".write(toFile: path, atomically: true, encoding: .utf8)

        let error = #expect(throws: DotEnvError.self) { try Environment.load(dotenvPath: path) }
        let description = try #require(error?.description)
        #expect(description.contains(path))
        #expect(description.contains("line 3"))
        #expect(description.contains("no '='") && description.contains("KEY=VALUE"), "what is wrong and what to do")
        #expect(!description.contains("SECRETVALUE"))
        #expect(!description.contains("sk-proj"))
    }

    /// Every kind of malformed line, each holding a secret where a person might paste one.
    @Test(arguments: [
        ("sk-proj-SECRETVALUE123", DotEnvError.LineProblem.missingEquals),
        ("SECRETVALUE-123=x", .invalidKey),
        ("export SECRETVALUE 123", .missingEquals),
        ("KEY='SECRETVALUE'123", .textAfterClosingQuote),
        ("KEY=\"SECRETVALUE123", .unclosedQuote),
        ("KEY='SECRETVALUE123", .unclosedQuote),
    ])
    func malformedLine_neverQuotesAnyOfTheLine(line: String, problem: DotEnvError.LineProblem) {
        let error = #expect(throws: DotEnvError.self) { try DotEnv.parse("A=1\n" + line, path: "/srv/bridge/.env") }
        #expect(error == .malformedLine(path: "/srv/bridge/.env", number: 2, problem: problem))
        let description = error?.description ?? ""
        #expect(description.hasPrefix("/srv/bridge/.env line 2 "), "\(description)")
        #expect(!description.contains("SECRET") && !description.contains("123"), "\(description)")
        #expect(!String(reflecting: error as Any).contains("SECRET"), "the error value does not hold the line either")
    }

    @Test func unreadable_namesThePathAndTheFix() {
        let error = DotEnvError.unreadable(path: "/srv/bridge/.env", reason: "Permission denied")
        #expect(error.description == "cannot read /srv/bridge/.env: Permission denied — fix its permissions or remove it")
    }
}
