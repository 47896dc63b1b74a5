import JSON

/// Tokens a call used, summed over its `response.done` events, and their estimated cost.
public struct CallUsage: Equatable {
    public var audioInput = 0, audioInputCached = 0, textInput = 0, textInputCached = 0
    public var audioOutput = 0, textOutput = 0
    public var responses = 0

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

    /// The estimated cost in USD with `prices` (USD per 1M tokens), or nil without a price row.
    public func cost(_ prices: PriceRow?) -> Double? {
        guard let p = prices else { return nil }
        let sum = Double(audioInput) * p.audioInput + Double(audioInputCached) * p.audioInputCached
            + Double(textInput) * p.textInput + Double(textInputCached) * p.textInputCached
            + Double(audioOutput) * p.audioOutput + Double(textOutput) * p.textOutput
        return sum / 1_000_000
    }
}

/// One model's prices, USD per 1M tokens.
public struct PriceRow: Equatable {
    public var audioInput, audioInputCached, audioOutput, textInput, textInputCached, textOutput: Double
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
