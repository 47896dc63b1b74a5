import Foundation
import JSON
import Testing
@testable import Calls

/// Where a transcript goes: the CallSid comes from the stream's `start` message, so it must
/// never choose a path. Twilio's shape is kept as it is; anything else gets a safe, unique name.
extension TranscriptWriterTests {
    static let twilioCallSid = "CA" + "0123456789abcdef0123456789ABCDEF"

    /// The names a transcript file may have: the allow-list, one path component, never `-` first.
    static func isSafeFileName(_ name: String) -> Bool {
        guard name.hasSuffix(".jsonl"), name.utf8.count <= 70, !name.hasPrefix("-") else { return false }
        return name.dropLast(6).utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
    }

    @Test func fileName_isSafeAndDirectlyInTheDirectory_forAnyCallSid() throws {
        let parent = NSTemporaryDirectory() + "vb-transcripts-\(UUID().uuidString)"
        let directory = parent + "/calls"
        defer { try? FileManager.default.removeItem(atPath: parent) }
        let writer = TranscriptWriter(directory: directory) { message in Issue.record("\(message)") }
        let sids = ["x\u{0D4E}/y", "../../etc/passwd", "", String(repeating: "a/", count: 5_000), Self.twilioCallSid]
        for sid in sids {
            writer.append(callSid: sid, role: "caller", text: "hello")
            writer.finish(callSid: sid)
        }
        writer.sync()

        #expect(try FileManager.default.contentsOfDirectory(atPath: parent) == ["calls"], "nothing escaped the directory")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(try FileManager.default.subpathsOfDirectory(atPath: directory).sorted() == names, "no subdirectory")
        #expect(names.count == sids.count, "one file per sid: \(names)")
        for name in names {
            #expect(Self.isSafeFileName(name), "\(name)")
        }
        #expect(names.contains(Self.twilioCallSid + ".jsonl"), "a real CallSid names its file as it is")
        let written = try names.map { name in
            let text = try String(contentsOfFile: directory + "/" + name, encoding: .utf8)
            return try JSON.parse(Array(text.utf8))["call"]?.stringValue
        }
        #expect(Set(written.compactMap { $0 }) == Set(sids), "each file holds its own call's lines")
    }

    @Test func fileStem_keepsTwilioShapedSids_andHashesEverythingElse() {
        #expect(TranscriptWriter.fileStem(for: Self.twilioCallSid) == Self.twilioCallSid)
        for almost in ["CA" + String(repeating: "0", count: 31), "CA" + String(repeating: "0", count: 33),
                       "CA" + String(repeating: "g", count: 32), "ca" + String(repeating: "0", count: 32),
                       "CA" + String(repeating: "0", count: 31) + "/"] {
            let stem = TranscriptWriter.fileStem(for: almost)
            #expect(stem != almost && Self.isSafeFileName(stem + ".jsonl"), "\(almost) → \(stem)")
        }
        // The same first 40 characters, the same allow-listed version: only the hash tells them apart.
        let prefix = String(repeating: "p", count: 40)
        #expect(TranscriptWriter.fileStem(for: prefix + "1") != TranscriptWriter.fileStem(for: prefix + "2"))
        #expect(TranscriptWriter.fileStem(for: "a/b") != TranscriptWriter.fileStem(for: "a_b"))
        #expect(TranscriptWriter.fileStem(for: "-rf").hasPrefix("_-rf-"))
        #expect(TranscriptWriter.fileStem(for: String(repeating: "x", count: 10_000)).count == 40 + 1 + 16)
    }
}
