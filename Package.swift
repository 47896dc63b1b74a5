// swift-tools-version:6.0
// voice-bridge: a Twilio Media Streams <-> realtime speech model bridge.
// No SwiftPM package dependencies: system libraries (OpenSSL, libcurl) only.
// Layers point one way; see README "Map".
import PackageDescription

// Swift 6 language mode, with complete concurrency checking, for every target: loop-bound types
// are not Sendable, and what crosses threads (a `LoopHandle`, the log writer, the transcript
// writer, signal handling) is checked by the compiler.
let swift6: [SwiftSetting] = [.swiftLanguageMode(.v6)]
// The daemon's modules: in release builds, no dynamic exclusivity checks. Every message on the
// audio path crossed ~60 of them (12% of the bridge's instructions per frame, measured with
// callgrind; README "Performance"). Everything runs on one event-loop thread, and debug builds —
// the unit tests, the end-to-end tests and the Autobahn run — keep the checks, so a conflicting
// access is still caught there. Static exclusivity checking is unaffected.
let runtime: [SwiftSetting] = swift6 + [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]

let package = Package(
    name: "voice-bridge",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "voice-bridge", targets: ["voice-bridge"]),
        .executable(name: "vb-load", targets: ["vb-load"]),
        // For the fuzz package (Fuzz/), which builds these with libFuzzer instrumentation.
        .library(name: "VoiceBridgeParsers", targets: ["WebSocket", "HTTP", "Twilio", "Realtime", "Live", "Config", "Logging", "JSON", "Base64"]),
    ],
    targets: [
        // C at the edge.
        .systemLibrary(name: "CLinux"),
        .systemLibrary(name: "CSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),

        // Leaves: depend on nothing.
        // The one base64 (standard and URL-safe): payloads, handshakes, signatures, tokens.
        .target(name: "Base64", swiftSettings: runtime),
        .target(name: "Audio", swiftSettings: runtime),
        // JSON on Base64 alone: its flat index checks a base64 member while finding its end.
        .target(name: "JSON", dependencies: ["Base64"], swiftSettings: runtime),
        // The logger: logfmt/JSON lines, redaction, a bounded background writer.
        .target(name: "Logging", swiftSettings: runtime),
        .target(name: "Config", dependencies: ["Logging", "Base64", "JSON"], swiftSettings: runtime),

        // Transport.
        .target(name: "Net", dependencies: ["CLinux", "CSSL"], swiftSettings: runtime),
        .target(name: "HTTP", dependencies: ["Net", "Logging"], swiftSettings: runtime),
        .target(name: "WebSocket", dependencies: ["HTTP", "Net", "CSSL", "Base64"], swiftSettings: runtime),

        // Protocols.
        // An HTTP client on libcurl's multi interface, driven by the event loop (Tavily, Twilio's REST API).
        .target(name: "HTTPClient", dependencies: ["CCurl", "Net", "Config", "Logging"], swiftSettings: runtime),
        .target(name: "Twilio", dependencies: ["JSON", "Base64", "HTTP", "HTTPClient", "Net", "CSSL"], swiftSettings: runtime),
        .target(name: "Realtime", dependencies: ["Live", "JSON", "Base64", "Audio", "WebSocket"], swiftSettings: runtime),
        // GPT-Live (`/v1/live/sessions`): its events, session configuration and endpoints. Apart from
        // Realtime: the two protocols share no event, and either can go without the other.
        .target(name: "Live", dependencies: ["JSON", "Base64"], swiftSettings: runtime),
        // Tools the model may call: web search (Tavily), hang-up.
        .target(name: "Tools", dependencies: ["HTTPClient", "Net", "JSON", "Config", "Logging"], swiftSettings: runtime),
        // MCP servers' tools (Streamable HTTP): config/mcp/*.json, the JSON-RPC client, the tools it offers.
        .target(name: "MCP", dependencies: ["HTTPClient", "JSON", "Net", "Config", "Logging", "Tools"], swiftSettings: runtime),

        // Signed call events (Standard Webhooks) to EVENTS_URL: spooled to disk, retried until delivered.
        .target(name: "Events", dependencies: ["HTTPClient", "JSON", "Net", "Logging", "Base64", "CSSL"], swiftSettings: runtime),

        // Provider rotation: the pool of targets, failover and fallback, health, identity tokens.
        .target(name: "Providers", dependencies: ["Realtime", "Net", "Config", "Logging", "JSON"], swiftSettings: runtime),

        // What `/metrics` says: the counters and histograms, Prometheus text, process stats.
        .target(name: "Metrics", dependencies: ["Providers", "Net"], swiftSettings: runtime),

        // Calls and the executable that wires them.
        .target(name: "Calls", dependencies: ["Live", "Base64", "Metrics", "Providers", "Twilio", "Realtime", "Tools", "WebSocket", "HTTP", "Net", "Config", "Logging", "JSON", "Audio"], swiftSettings: runtime),
        // What faces HTTP: the routes (webhook, media stream, POST /calls, status callbacks,
        // probes, /metrics), the gate (signatures, tokens, MAX_CALLS), drain, capacity, the dialer.
        .target(name: "Server", dependencies: ["CLinux", "Base64", "Metrics", "Calls", "Providers", "Twilio", "Realtime", "Tools", "WebSocket", "HTTP", "Net", "Config", "Logging", "JSON"], swiftSettings: runtime),
        // `voice-bridge check`: every provider target, the identity, Tavily and PUBLIC_URL, a line each.
        .target(name: "Preflight", dependencies: ["Live", "Metrics", "Calls", "Providers", "Twilio", "Realtime", "Tools", "WebSocket", "HTTP", "Net", "Config", "Logging", "JSON"], swiftSettings: runtime),
        .executableTarget(name: "voice-bridge", dependencies: ["MCP", "Events", "Metrics", "Base64", "Preflight", "Server", "Calls", "Providers", "HTTPClient", "Twilio", "Realtime", "Tools", "WebSocket", "HTTP", "Net", "Config", "Logging", "Audio", "JSON"], swiftSettings: runtime),
        // The benchmark's load side (scripts/bench): simulated calls, mock provider, floor endpoint.
        .executableTarget(name: "vb-load", dependencies: ["CLinux", "Base64", "Twilio", "WebSocket", "HTTP", "Net", "Logging", "JSON"],
                          path: "Benchmarks/vb-load", swiftSettings: runtime),

        // Test-only tools: separate executables, never linked into voice-bridge.
        .executableTarget(name: "ws-conformance", dependencies: ["WebSocket", "HTTP", "Net"],
                          path: "Conformance/ws-conformance", swiftSettings: swift6),

        // Helpers shared by test targets: a seeded random generator (no dependencies).
        .target(name: "TestSupport", path: "Tests/TestSupport", swiftSettings: swift6),
        // Loopback helpers (peers, scripted servers, a test PKI) shared by the tests.
        .target(name: "NetTestSupport", dependencies: ["Net", "HTTP"], path: "Tests/NetTestSupport", swiftSettings: swift6),

        // Tests mirror the modules.
        .testTarget(name: "Base64Tests", dependencies: ["Base64"], swiftSettings: swift6),
        .testTarget(name: "AudioTests", dependencies: ["Audio"], swiftSettings: swift6),
        .testTarget(name: "JSONTests", dependencies: ["JSON", "Base64", "TestSupport"], swiftSettings: swift6),
        .testTarget(name: "LoggingTests", dependencies: ["Logging"], swiftSettings: swift6),
        .testTarget(name: "ConfigTests", dependencies: ["Config", "Logging", "JSON"], swiftSettings: swift6),
        .testTarget(name: "NetTests", dependencies: ["Net", "CSSL", "NetTestSupport"], swiftSettings: swift6),
        .testTarget(name: "HTTPTests", dependencies: ["HTTP", "Net", "NetTestSupport"], swiftSettings: swift6),
        .testTarget(name: "WebSocketTests", dependencies: ["WebSocket", "HTTP", "Net", "NetTestSupport", "TestSupport"], swiftSettings: swift6),
        .testTarget(name: "TwilioTests", dependencies: ["Twilio", "JSON", "HTTP", "HTTPClient", "Net", "NetTestSupport"], resources: [.copy("Resources")], swiftSettings: swift6),
        .testTarget(name: "HTTPClientTests", dependencies: ["HTTPClient", "HTTP", "Net", "Config", "NetTestSupport"], swiftSettings: swift6),
        .testTarget(name: "RealtimeTests", dependencies: ["Realtime", "JSON", "Audio"], swiftSettings: swift6),
        .testTarget(name: "LiveTests", dependencies: ["Live", "JSON"], swiftSettings: swift6),
        .testTarget(name: "MCPTests", dependencies: ["MCP", "Tools", "HTTPClient", "HTTP", "Net", "JSON", "Logging", "NetTestSupport"], swiftSettings: swift6),
        .testTarget(name: "ToolsTests", dependencies: ["Tools", "HTTPClient", "HTTP", "Net", "JSON", "Config", "Logging", "NetTestSupport"], swiftSettings: swift6),
        .testTarget(name: "ProvidersTests", dependencies: ["Providers", "Realtime", "Config", "Logging", "Net", "HTTP", "JSON", "NetTestSupport"], swiftSettings: swift6),
        .testTarget(name: "ServerTests", dependencies: ["Base64", "Metrics", "Server", "Calls", "Providers", "Tools", "Twilio", "Realtime", "JSON", "HTTP", "Net", "WebSocket", "Config", "Logging", "NetTestSupport"], swiftSettings: swift6),
        .testTarget(name: "MetricsTests", dependencies: ["Metrics", "Providers", "Realtime"], swiftSettings: swift6),
        .testTarget(name: "PreflightTests", dependencies: ["Preflight"], swiftSettings: swift6),
        .testTarget(name: "EventsTests", dependencies: ["Events", "HTTPClient", "JSON", "Net", "Base64", "Logging", "NetTestSupport"], swiftSettings: swift6),
        .testTarget(name: "CallsTests", dependencies: ["Net", "Metrics", "Server", "Calls", "Providers", "Tools", "Twilio", "Realtime", "JSON", "HTTP", "Config", "Logging"], swiftSettings: swift6),
    ]
)
