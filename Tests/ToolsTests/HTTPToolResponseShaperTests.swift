import Foundation
import JSON
import Testing
@testable import Tools

@Suite struct HTTPToolResponseShaperTests {
    static let document: JSON = [
        "appointment": ["time": "2026-12-07T09:30", "doctor": "Dr Lind", "internal_id": 991, "room": ["floor": 2, "door": "B"]],
        "patient": ["name": "Ada", "ssn": "19121212-1212"],
        "slots": ["08:00", "09:00", "10:00"],
        "a/b": ["~c": 1],
    ]

    @Test(arguments: [
        ("", true), ("/appointment/time", true), ("/a~1b/~0c", true), ("/slots/0", true),
        ("appointment", false), ("/x~2", false), ("/x~", false),
    ])
    func pointerSyntax_followsRFC6901(text: String, valid: Bool) {
        #expect((JSONPointer(text) != nil) == valid)
    }

    @Test func pointers_resolveMembersAndIndices() {
        #expect(JSONPointer("/appointment/room/door")?.resolve(in: Self.document) == "B")
        #expect(JSONPointer("/a~1b/~0c")?.resolve(in: Self.document) == 1)
        #expect(JSONPointer("/slots/1")?.resolve(in: Self.document) == "09:00")
        #expect(JSONPointer("/slots/01")?.resolve(in: Self.document) == nil, "no leading zeros")
        #expect(JSONPointer("/slots/3")?.resolve(in: Self.document) == nil)
        #expect(JSONPointer("")?.resolve(in: Self.document) == Self.document)
    }

    @Test func keep_returnsOnlyThoseFields_nestedAsTheyWere() throws {
        let shaper = HTTPToolResponseShaper(keep: ["/appointment/time", "/appointment/room/floor", "/patient/name", "/slots/2", "/missing"]
                                                .compactMap(JSONPointer.init), maxBytes: 2_000)
        let output = shaper.output(for: Self.document)
        #expect(output == #"{"appointment":{"time":"2026-12-07T09:30","room":{"floor":2}},"patient":{"name":"Ada"},"slots":["10:00"]}"#)
        #expect(!output.contains("ssn") && !output.contains("19121212"))
    }

    @Test func noKeep_isTheWholeDocument_andNothingFound_isAnEmptyObject() {
        #expect(HTTPToolResponseShaper(keep: [], maxBytes: 2_000).output(for: ["a": 1]) == #"{"a":1}"#)
        #expect(HTTPToolResponseShaper(keep: [JSONPointer("/nope")!], maxBytes: 2_000).output(for: ["a": 1]) == "{}")
    }

    @Test func maxBytes_boundsTheOutput_neverCutsACharacter_andSaysSo() {
        let long = JSON.array((0..<200).map { _ in "åäö€" })  // 2- and 3-byte characters
        let text = long.serialized()
        for limit in 200...230 {
            let output = HTTPToolResponseShaper(keep: [], maxBytes: limit).output(for: long)
            #expect(output.utf8.count <= limit)
            #expect(output.contains("[truncated: the answer was \(text.utf8.count) bytes"))
            let head = output.components(separatedBy: " … [truncated")[0]
            #expect(text.hasPrefix(head), "the head is a prefix of whole characters")
            #expect(!head.contains("\u{FFFD}"))
        }
    }

    @Test func outputThatFits_isUntouched() {
        let shaper = HTTPToolResponseShaper(keep: [], maxBytes: 200)
        #expect(shaper.output(for: ["ok": true]) == #"{"ok":true}"#)
    }
}
