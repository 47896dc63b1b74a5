import Foundation
import Testing
@testable import Server

/// The console's files travel in the binary as string literals (scripts/embed-console); they
/// must be exactly the files in console/.
@Suite struct ConsoleAssetsTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("console")

    @Test func assets_equalTheFilesInConsoleDirectory() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path)
            .filter { [".html", ".css", ".js"].contains(where: $0.hasSuffix) }.sorted()
        #expect(ConsoleAssets.files.map(\.name) == names, "run scripts/embed-console")
        for asset in ConsoleAssets.files {
            let file = try String(contentsOf: Self.directory.appendingPathComponent(asset.name), encoding: .utf8)
            #expect(asset.body == file, "\(asset.name) differs from console/\(asset.name): run scripts/embed-console")
        }
    }

    @Test func assets_includeThePageAndBothWorklets() {
        let names = Set(ConsoleAssets.files.map(\.name))
        #expect(names.isSuperset(of: ["index.html", "console.js", "console.css", "capture-worklet.js", "playback-worklet.js"]))
    }
}
