import Foundation
import Testing
@testable import Realtime
import JSON

@Suite struct ModelDeprecationsTests {
    static let table = """
        {"_comment": "x", "models": [
          {"model": "gpt-realtime", "shutdown": "2027-01-20", "replacement": "gpt-realtime-2.1"},
          {"model": "gpt-realtime-mini", "shutdown": "2027-01-20", "replacement": "gpt-realtime-2.1-mini"}]}
        """

    @Test func aRetiredModel_isDeprecatedBeforeItsDate_andShutDownFromIt() throws {
        let table = try ModelDeprecations(json: Self.table)
        let entry = ModelDeprecations.Entry(model: "gpt-realtime", shutdown: "2027-01-20", replacement: "gpt-realtime-2.1")
        #expect(table.verdict(for: "gpt-realtime", today: "2026-12-05") == .deprecated(entry))
        #expect(table.verdict(for: "gpt-realtime", today: "2027-01-20") == .shutDown(entry))
        #expect(table.verdict(for: "gpt-realtime-2.1", today: "2027-06-01") == .current)
        #expect(table.verdict(for: "gpt-realtime-mini-x", today: "2027-06-01") == .current, "ids match exactly")
    }

    @Test func theShippedTable_parses_andRetiresTheOldDefault() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../config/model-deprecations.json")
        let table = try ModelDeprecations(json: String(contentsOf: url, encoding: .utf8))
        guard case .deprecated(let entry) = table.verdict(for: "gpt-realtime", today: "2026-12-05") else {
            Issue.record("gpt-realtime is not listed"); return
        }
        #expect(entry.shutdown == "2027-01-20" && entry.replacement == "gpt-realtime-2.1")
        #expect(table.verdict(for: "gpt-realtime-2.1", today: "2026-12-05") == .current)
    }

    @Test func malformedTables_nameTheEntryAndField() {
        #expect(throws: ModelDeprecationsError.self) { try ModelDeprecations(json: "[]") }
        do {
            _ = try ModelDeprecations(json: #"{"models":[{"model":"m","shutdown":"20 Jan 2027","replacement":"r"}]}"#)
            Issue.record("a bad date was accepted")
        } catch {
            #expect(String(describing: error).contains("entry 1") && String(describing: error).contains("YYYY-MM-DD"))
        }
        do {
            _ = try ModelDeprecations(json: #"{"models":[{"model":"m","shutdown":"2027-01-20"}]}"#)
            Issue.record("a missing replacement was accepted")
        } catch {
            #expect(String(describing: error).contains("\"replacement\""))
        }
    }

    @Test func unixSeconds_becomeTheUTCDate() {
        #expect(ModelDeprecations.date(unixSeconds: 0) == "1970-01-01")
        #expect(ModelDeprecations.date(unixSeconds: 1_796_947_199) == "2026-12-10")
        #expect(ModelDeprecations.date(unixSeconds: 1_800_403_199) == "2027-01-19")
        #expect(ModelDeprecations.date(unixSeconds: 1_800_403_200) == "2027-01-20")
        #expect(ModelDeprecations.date(unixSeconds: 951_782_400) == "2000-02-29")
    }
}
