import Calls
import HTTP
import Logging
import Net

/// The browser console (`GET /console`): its access, the bus it watches, and its open event
/// streams, which have a small budget of their own.
///
/// Confined to the serve loop's thread.
public final class Console {
    /// Who may open it.
    public let access: ConsoleAccess
    /// What the calls post; the streams read it.
    public let watch: CallWatch
    /// Whether the page may place a browser call over `/media-stream`: only when the gate checks
    /// no Twilio signature (development mode).
    public let talk: Bool
    /// Most event streams open at once; one more gets 503.
    public var maxWatchers = 8
    /// Output a watcher may leave unread before it is dropped, in bytes.
    public var maxBufferedBytesPerWatcher = 256 * 1024
    /// How often a stream gets a `{"type":"ping"}` event (keeps proxies from timing it out, and
    /// finds dead peers), in milliseconds.
    public var keepAliveMs: Int64 = 15_000
    let log: Logger
    /// Failed logins: throttled per address, logged in aggregate.
    let logins: ConsoleLogins
    private var streams: [ObjectIdentifier: ConsoleStream] = [:]
    /// Watchers dropped because they could not keep up.
    public private(set) var droppedWatchers = 0

    /// A console with `access`, showing `watch`.
    public init(access: ConsoleAccess, watch: CallWatch, talk: Bool, logger: Logger = Logger(), clock: LoopClock = .monotonic) {
        self.logins = ConsoleLogins(clock: clock)
        self.access = access
        self.watch = watch
        self.talk = talk
        self.log = logger
    }

    /// Event streams open.
    public var openStreams: Int { streams.count }

    /// Whether another stream fits the budget.
    var hasRoom: Bool { streams.count < maxWatchers }

    /// Adopts `connection` (taken over from HTTP) as an event stream.
    func openStream(on connection: Connection, peer: String) {
        let stream = ConsoleStream(connection: connection, console: self)
        streams[ObjectIdentifier(stream)] = stream
        log.info("console watcher connected", [("peer", peer), ("watchers", String(streams.count))])
        stream.start()
    }

    func streamClosed(_ stream: ConsoleStream, dropped: Bool) {
        guard streams.removeValue(forKey: ObjectIdentifier(stream)) != nil else { return }
        watch.unsubscribe(ObjectIdentifier(stream))
        if dropped {
            droppedWatchers += 1
            log.warning("console watcher dropped: it did not read its events",
                        [("peer", stream.peer), ("limit_bytes", String(maxBufferedBytesPerWatcher))])
        }
    }
}

@available(*, unavailable)
extension Console: Sendable {}
