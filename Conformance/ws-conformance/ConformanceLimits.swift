import Net
import WebSocket

/// Limits for conformance runs: Autobahn's 9.* cases send messages of up to 16 MiB and expect
/// them echoed, which the bridge's own (much smaller) limits would rightly refuse with 1009.
enum ConformanceLimits {
    /// WebSocket options with room for Autobahn's largest message and frame.
    static var webSocket: WSConnection.Options {
        var options = WSConnection.Options()
        options.maxFrameSize = 32 << 20
        options.maxMessageSize = 32 << 20
        return options
    }

    /// Output a connection may queue: one echoed 16 MiB message plus its framing, twice over.
    static let maxBufferedOutput = 64 << 20
}
