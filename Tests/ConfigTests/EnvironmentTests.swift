import Foundation
import Testing
import Config

/// The process environment over `.env`.
@Suite struct EnvironmentTests {
    @Test func processWinsOverDotenv() {
        let env = Environment(process: ["PORT": "6000", "VOICE": "alloy"], dotenv: ["PORT": "5050", "GREETING": "hi"])
        #expect(env["PORT"] == "6000")
        #expect(env["VOICE"] == "alloy")
        #expect(env["GREETING"] == "hi")
        #expect(env["MISSING"] == nil)
    }

    @Test func subscript_returnsSetButEmpty() {
        let env = Environment(process: ["GREETING": ""])
        #expect(env["GREETING"] == "")
    }

    @Test func load_readsDotenvUnderTheProcessEnvironment() throws {
        let path = NSTemporaryDirectory() + "env-test-\(UUID().uuidString).env"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "VOICE_BRIDGE_TEST_ONLY='from file'\nPATH=/from/dotenv\n".write(toFile: path, atomically: true, encoding: .utf8)

        let env = try Environment.load(dotenvPath: path)
        #expect(env["VOICE_BRIDGE_TEST_ONLY"] == "from file")
        #expect(env["PATH"] == ProcessInfo.processInfo.environment["PATH"])
    }

    @Test func load_missingFileIsFineAndMalformedFileThrows() throws {
        let missing = try Environment.load(dotenvPath: "/nonexistent/.env")
        #expect(missing["PATH"] == ProcessInfo.processInfo.environment["PATH"])

        let path = NSTemporaryDirectory() + "env-test-\(UUID().uuidString).env"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try "GOOD=1\nBAD LINE\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: DotEnvError.malformedLine(path: path, number: 2, problem: .missingEquals)) { try Environment.load(dotenvPath: path) }
    }
}
