import JSON

/// What a call used, and its estimated cost: Realtime tokens summed over its `response.done`
/// events; for GPT-Live, the session's seconds (`session.usage.updated`, `session.closed`) and
/// the backend's tokens (its nested `response.completed`).
public struct CallUsage: Equatable {
    public var audioInput = 0, audioInputCached = 0, textInput = 0, textInputCached = 0
    public var audioOutput = 0, textOutput = 0
    public var responses = 0
    /// GPT-Live: seconds of session billed, as the service last reported them (cumulative per
    /// session; sessions a call reopened are summed).
    public var liveSeconds = 0.0
    private var liveSecondsOfEarlierSessions = 0.0
    /// GPT-Live's backend (Responses) tokens.
    public var backendInput = 0, backendOutput = 0

    /// GPT-Live reported `seconds` for the current session (cumulative: the last report counts).
    public mutating func liveSession(seconds: Double) {
        liveSeconds = liveSecondsOfEarlierSessions + seconds
    }

    /// A new GPT-Live session starts counting from zero (a reconnect).
    public mutating func liveSessionEnded() {
        liveSecondsOfEarlierSessions = liveSeconds
    }

    /// Adds a GPT-Live backend `response.usage` (`input_tokens`, `output_tokens`).
    public mutating func addBackend(_ usage: JSON) {
        responses += 1
        backendInput += usage["input_tokens"]?.intValue ?? 0
        backendOutput += usage["output_tokens"]?.intValue ?? 0
    }

    /// Creates an empty tally.
    public init() {}

    /// Adds one `response.done`'s `usage` object (GA and beta share its shape).
    public mutating func add(_ usage: JSON) {
        responses += 1
        let input = usage["input_token_details"]
        let output = usage["output_token_details"]
        let cached = input?["cached_tokens_details"]
        let cachedText = cached?["text_tokens"]?.intValue ?? 0
        let cachedAudio = cached?["audio_tokens"]?.intValue ?? 0
        audioInput += max(0, (input?["audio_tokens"]?.intValue ?? 0) - cachedAudio)
        textInput += max(0, (input?["text_tokens"]?.intValue ?? 0) - cachedText)
        audioInputCached += cachedAudio
        textInputCached += cachedText
        audioOutput += output?["audio_tokens"]?.intValue ?? 0
        textOutput += output?["text_tokens"]?.intValue ?? 0
    }

    /// The estimated cost in USD with `prices` (USD per 1M tokens, per minute for GPT-Live), or
    /// nil without a price row. GPT-Live's backend tokens count with `backend`'s text prices
    /// when that row exists.
    public func cost(_ prices: PriceRow?, backend: PriceRow? = nil) -> Double? {
        guard let p = prices else { return nil }
        var sum = Double(audioInput) * p.audioInput + Double(audioInputCached) * p.audioInputCached
            + Double(textInput) * p.textInput + Double(textInputCached) * p.textInputCached
            + Double(audioOutput) * p.audioOutput + Double(textOutput) * p.textOutput
        if let b = backend { sum += Double(backendInput) * b.textInput + Double(backendOutput) * b.textOutput }
        return sum / 1_000_000 + liveSeconds / 60 * p.perMinute
    }
}

/// One model's prices: USD per 1M tokens, and USD per minute of session (GPT-Live).
public struct PriceRow: Equatable {
    public var audioInput, audioInputCached, audioOutput, textInput, textInputCached, textOutput: Double
    public var perMinute = 0.0
}

/// The price table of `config/prices.json`, editable by the user.
public struct PriceTable {
    private var rows: [String: PriceRow] = [:]

    /// An empty table (costs are then not estimated).
    public init() {}

    /// Parses the table; a row missing a field is an error naming the row and field.
    public init(json text: String) throws {
        let root = try JSON.parse(text)
        guard let object = root.objectValue else { throw PriceTableError(message: "the price table must be a JSON object of model rows") }
        for (model, row) in object where !model.hasPrefix("_") {
            if let perMinute = row["per_minute"]?.doubleValue {
                // GPT-Live: billed per second of session, at this price per minute.
                rows[model] = PriceRow(audioInput: 0, audioInputCached: 0, audioOutput: 0, textInput: 0, textInputCached: 0,
                                       textOutput: 0, perMinute: perMinute)
                continue
            }
            func field(_ name: String) throws -> Double {
                guard let v = row[name]?.doubleValue else {
                    throw PriceTableError(message: "row '\(model)' has no number '\(name)' (USD per 1M tokens)")
                }
                return v
            }
            rows[model] = PriceRow(audioInput: try field("audio_input"), audioInputCached: try field("audio_input_cached"),
                                   audioOutput: try field("audio_output"), textInput: try field("text_input"),
                                   textInputCached: try field("text_input_cached"), textOutput: try field("text_output"))
        }
    }

    /// The row named `name`, if any (no `default`).
    public func row(exactly name: String) -> PriceRow? { rows[name] }

    /// The row for the first name present, else `default`.
    public func row(for names: [String?]) -> PriceRow? {
        for case let name? in names { if let r = rows[name] { return r } }
        return rows["default"]
    }
}

/// A malformed price table.
public struct PriceTableError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { "PRICES_FILE: \(message)" }
}
