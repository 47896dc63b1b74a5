// swift-tools-version:6.0
// libFuzzer targets for voice-bridge's parsers. Build and run them with `scripts/fuzz`; this
// package is separate so the main build never links a target without a `main`.
//   swift build -c release --package-path Fuzz -Xswiftc -sanitize=fuzzer,address
import Foundation
import PackageDescription

// A path dependency is named after its directory, which differs between clones.
let parent = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
let parsers: Target.Dependency = .product(name: "VoiceBridgeParsers", package: parent.lastPathComponent)
let support: [Target.Dependency] = ["CLibFuzzer", "FuzzCheck"]
let v5: [SwiftSetting] = [.swiftLanguageMode(.v5)]

let package = Package(
    name: "voice-bridge-fuzz",
    dependencies: [.package(path: "..")],
    targets: [
        .target(name: "CLibFuzzer", path: "Sources/CLibFuzzer"),
        .target(name: "FuzzCheck", path: "Sources/FuzzCheck", swiftSettings: v5),
        .executableTarget(name: "fuzz-ws-frame", dependencies: [parsers] + support, path: "Sources/fuzz-ws-frame", swiftSettings: v5),
        .executableTarget(name: "fuzz-http-request", dependencies: [parsers] + support, path: "Sources/fuzz-http-request", swiftSettings: v5),
        .executableTarget(name: "fuzz-twilio-event", dependencies: [parsers] + support, path: "Sources/fuzz-twilio-event", swiftSettings: v5),
        .executableTarget(name: "fuzz-realtime-event", dependencies: [parsers] + support, path: "Sources/fuzz-realtime-event", swiftSettings: v5),
        .executableTarget(name: "fuzz-dotenv", dependencies: [parsers] + support, path: "Sources/fuzz-dotenv", swiftSettings: v5),
    ]
)
