import Config
import Net
import Realtime
import Tools

/// What every call of this process shares: where the model is, how to configure it, and limits.
/// Immutable after start-up.
public struct CallContext {
    /// The provider endpoint (OpenAI, Azure, or the local parrot).
    public var endpoint: RealtimeEndpoint
    /// The `session.update` contents.
    public var sessionOptions: RealtimeSessionOptions
    /// What the assistant says first; empty = wait for the caller.
    public var greeting: String
    /// The TLS client context for `wss://` providers.
    public var tls: TLSContext?
    /// The process logger; calls add their own fields.
    public var logger: Logger
    /// Deadline for DNS + TCP + TLS + upgrade to the provider, in milliseconds.
    public var providerConnectTimeoutMs: Int64 = 10_000
    /// Caller audio kept while the provider session opens (base64 bytes, about 10 s at 8 kHz).
    public var maxPendingAudioBytes = 110_000
    /// The tools the model may call (their definitions must also be in `sessionOptions.tools`);
    /// nil offers none. Bound to the calls' loop (see `ToolRegistry`).
    public var tools: ToolRegistry?
    /// Turn detection, DTMF, transcripts, pre-warm.
    public var conversation = ConversationSettings()
    /// Where utterances are written, when `TRANSCRIPTS_DIR` is set.
    public var transcripts: TranscriptWriter?
    /// Prices for the end-of-call cost estimate, nil when unknown.
    public var prices: PriceRow?
    /// Assistant audio coalesced into one Twilio `media` message at most (μ-law bytes; 800 = 100 ms).
    public var maxCoalescedAudioBytes = 800
    /// Bytes that may wait to be sent to Twilio (Twilio is not reading) before the call ends.
    public var maxBufferedToTwilioBytes = 1 << 20
    /// Bytes that may wait to be sent to the provider (it is not reading) before the call ends.
    public var maxBufferedToProviderBytes = 1 << 20
    /// Counters and histograms every call feeds (`/metrics`).
    public var metrics = CallMetrics()

    /// Creates a context.
    public init(endpoint: RealtimeEndpoint, sessionOptions: RealtimeSessionOptions, greeting: String,
                tls: TLSContext?, logger: Logger) {
        self.endpoint = endpoint
        self.sessionOptions = sessionOptions
        self.greeting = greeting
        self.tls = tls
        self.logger = logger
    }
}
