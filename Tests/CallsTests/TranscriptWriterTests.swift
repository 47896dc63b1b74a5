import Foundation
import JSON
import Testing
@testable import Calls

/// The transcript file: one JSON line per record, the metadata line first.
@Suite struct TranscriptWriterTests {
    static func lines(_ directory: String, _ callSid: String) throws -> [JSON] {
        let text = try String(contentsOfFile: "\(directory)/\(callSid).jsonl", encoding: .utf8)
        return try text.split(separator: "\n").map { try JSON.parse(Array($0.utf8)) }
    }

    @Test func metadata_isTheFirstRecord_inTheShapeOfTheOthers() throws {
        let directory = NSTemporaryDirectory() + "vb-transcripts-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let writer = TranscriptWriter(directory: directory) { message in Issue.record("\(message)") }
        let sid = "CA" + String(repeating: "1", count: 32)
        writer.appendMetadata(callSid: sid, metadata: ["ticket": "T-42", "attempt": 2, "vip": true])
        writer.append(callSid: sid, role: "caller", text: "hello")
        writer.finish(callSid: sid)
        writer.sync()
        let lines = try Self.lines(directory, sid)
        #expect(lines.count == 2)
        #expect(lines[0].objectValue?.keys == ["call", "role", "metadata", "time"])
        #expect(lines[0]["call"] == .string(sid) && lines[0]["role"] == "call")
        #expect(lines[0]["metadata"] == .object(["ticket": "T-42", "attempt": 2, "vip": true]))
        #expect(lines[1].objectValue?.keys == ["call", "role", "text", "time"])
        #expect(lines[1]["role"] == "caller" && lines[1]["text"] == "hello")
    }
}
