import Foundation
import JSON
import Testing
@testable import Tools

@Suite struct HTTPToolDirectoryTests {
    static func tool(_ name: String) -> String {
        #"{"name": "\#(name)", "description": "d", "parameters": {"type": "object"}, "request": {"method": "GET", "url": "https://h.example/"}}"#
    }

    func withDirectory(_ files: [String: String], _ body: (String) throws -> Void) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("http-tools-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory + "/examples", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for (name, text) in files { try text.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8) }
        try body(directory)
    }

    @Test func missingDirectory_meansNoTools() throws {
        #expect(try HTTPToolDirectory.load("/nonexistent/tools-\(UUID().uuidString)", environment: { _ in nil }).isEmpty)
    }

    @Test func onlyTopLevelJSONFiles_areLoaded_inNameOrder() throws {
        try withDirectory(["b.json": Self.tool("beta"), "a.json": Self.tool("alpha"), "c.json.example": "not json",
                           "examples/d.json": Self.tool("delta"), "notes.txt": "x"]) { directory in
            let tools = try HTTPToolDirectory.load(directory, environment: { _ in nil })
            #expect(tools.map(\.name) == ["alpha", "beta"])
            #expect(tools.map(\.path) == [directory + "/a.json", directory + "/b.json"])
        }
    }

    @Test func sameNameInTwoFiles_isAnErrorOfTheSecond() throws {
        try withDirectory(["a.json": Self.tool("same"), "b.json": Self.tool("same")]) { directory in
            let entries = HTTPToolDirectory.entries(in: directory, environment: { _ in nil })
            #expect((try? entries[0].result.get()) != nil)
            guard case .failure(let error) = entries[1].result else { Issue.record("the second must fail"); return }
            #expect(error.description == "\(directory)/b.json: name 'same' is already used by \(directory)/a.json; each tool needs its own name")
            #expect(throws: JSONFileError.self) { try HTTPToolDirectory.load(directory, environment: { _ in nil }) }
        }
    }
}
