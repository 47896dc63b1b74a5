import JSON

/// What the events of a call say (`call.started`, `call.ended`): the facts `CallSession` logs on
/// its "call started" and "call ended" lines, as one value handed to `CallContext.onCallStarted`
/// and `onCallEnded`. Calls know nothing of where it goes.
public struct CallSummary: Sendable {
    /// How the call came to be.
    public enum Direction: String, Sendable {
        case inbound, outbound
    }

    /// What only an ended call has.
    public struct Ending: Sendable {
        /// `completed`, `caller_hung_up`… (`CallSession.Outcome`).
        public var outcome: String
        /// From the stream's upgrade to its end, in seconds.
        public var durationSeconds: Double
        /// Token and response counts, as the "call ended" line names them (`audio_in`, `text_out`…).
        public var usage: [(name: String, value: Double)]
        /// The estimated cost in US dollars, when the price table has the model.
        public var costUSD: Double?
        /// What was said, when transcripts are collected (`TRANSCRIPTS_DIR`); nil otherwise.
        public var transcript: CallTranscript?
        /// The call's recording file (`RECORDINGS_DIR`), when it is recorded.
        public var recordingFile: String?

        /// Creates an ending.
        public init(outcome: String, durationSeconds: Double, usage: [(name: String, value: Double)], costUSD: Double?,
                    transcript: CallTranscript?, recordingFile: String?) {
            self.outcome = outcome
            self.durationSeconds = durationSeconds
            self.usage = usage
            self.costUSD = costUSD
            self.transcript = transcript
            self.recordingFile = recordingFile
        }
    }

    public var callSid: String
    public var streamSid: String
    /// The caller's number (`From`), empty when the TwiML carried none.
    public var from: String
    /// The called number (`To`), empty when unknown.
    public var to: String
    /// The agent that took the call, when agents are configured.
    public var agent: String?
    public var direction: Direction
    /// An outbound call's metadata (`POST /calls`), empty otherwise.
    public var metadata: JSONObject
    /// Set on `call.ended` only.
    public var ending: Ending?

    /// Creates a summary.
    public init(callSid: String, streamSid: String, from: String, to: String, agent: String?, direction: Direction,
                metadata: JSONObject = JSONObject(), ending: Ending? = nil) {
        self.callSid = callSid
        self.streamSid = streamSid
        self.from = from
        self.to = to
        self.agent = agent
        self.direction = direction
        self.metadata = metadata
        self.ending = ending
    }

    /// The event's `data`: `call_sid`, `stream_sid`, `from`, `to`, `agent`, `direction`,
    /// `metadata`, and once ended `duration_s`, `outcome`, `usage`, `cost_usd_est`, `transcript`
    /// (`[{role, text, time}]`, with `transcript_truncated`), `recording_file`.
    public var eventData: JSONObject {
        var data = JSONObject([("call_sid", .string(callSid)), ("stream_sid", .string(streamSid)),
                               ("from", .string(from)), ("to", .string(to)),
                               ("agent", agent.map(JSON.string) ?? .null), ("direction", .string(direction.rawValue)),
                               ("metadata", .object(metadata))])
        guard let ending else { return data }
        data.append("outcome", .string(ending.outcome))
        data.append("duration_s", .number((ending.durationSeconds * 10).rounded() / 10))
        data.append("usage", .object(JSONObject(ending.usage.map { ($0.name, .number($0.value)) })))
        data.append("cost_usd_est", ending.costUSD.map { .number(($0 * 10_000).rounded() / 10_000) } ?? .null)
        if let transcript = ending.transcript {
            data.append("transcript", .array(transcript.utterances.map { utterance in
                .object(JSONObject([("role", .string(utterance.role)), ("text", .string(utterance.text)),
                                    ("time", .string(utterance.time))]))
            }))
            data.append("transcript_truncated", .bool(transcript.truncated))
        }
        data.append("recording_file", ending.recordingFile.map(JSON.string) ?? .null)
        return data
    }
}

/// A bounded copy of a call's utterances for its `call.ended` event: at most `maxUtterances`
/// and `maxBytes` of text; past either, later utterances are left out and `truncated` says so.
/// The file in `TRANSCRIPTS_DIR` stays the complete record.
public struct CallTranscript: Sendable {
    /// One utterance: `caller` or `assistant`, its text, and when it ended (ISO 8601, UTC).
    public struct Utterance: Sendable, Equatable {
        public var role: String
        public var text: String
        public var time: String
    }

    /// Default bounds: 200 utterances, 64 KiB of text.
    public static let defaultMaxUtterances = 200, defaultMaxBytes = 64 * 1024

    public private(set) var utterances: [Utterance] = []
    /// Whether an utterance was left out.
    public private(set) var truncated = false
    private var bytes = 0
    private let maxUtterances: Int, maxBytes: Int

    /// An empty transcript with these bounds.
    public init(maxUtterances: Int = defaultMaxUtterances, maxBytes: Int = defaultMaxBytes) {
        self.maxUtterances = maxUtterances
        self.maxBytes = maxBytes
    }

    /// Keeps the utterance unless a bound would be passed.
    public mutating func append(role: String, text: String, time: String) {
        let size = text.utf8.count
        guard !truncated, utterances.count < maxUtterances, bytes + size <= maxBytes else {
            truncated = true
            return
        }
        bytes += size
        utterances.append(Utterance(role: role, text: text, time: time))
    }
}
