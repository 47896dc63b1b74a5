import JSON
import Twilio

/// Per-call instructions and greeting for an outbound call, in place of `INSTRUCTIONS` and
/// `GREETING`, and the caller's `metadata`. Instructions and greeting travel in the call's TwiML
/// as `<Parameter>`s, which arrive in the stream's `start.customParameters`, so any replica that
/// gets the stream can use them. Twilio caps one parameter at 500 characters, so long text is
/// cut into numbered pieces (`instructions`, `instructions_2`, …) and joined again here.
/// Metadata never travels that way (Twilio would keep it in its call logs, and it may be
/// personal data): it stays in this replica's `OutboundCallRecords`.
public struct CallOverride: Equatable, Sendable {
    /// Replaces the default instructions in `session.update`; nil keeps the default.
    public var instructions: String?
    /// Replaces the default greeting; nil keeps it, empty means the callee speaks first.
    public var greeting: String?
    /// `POST /calls`' `metadata`: flat, bounded by `OutboundCallFields`; written to the call's
    /// transcript, its keys logged when the stream starts. Empty when none (or when the stream
    /// landed on a replica that does not hold the record).
    public var metadata: JSONObject
    /// The agent that takes the call (`config/agents/NAME.json`); nil for the default. Travels
    /// as the `agent` parameter, under the call's stream token.
    public var agent: String?

    /// Characters per piece: name and value together stay under `TwiML.parameterLengthLimit`.
    static let pieceLength = 450

    /// Creates an override.
    public init(instructions: String? = nil, greeting: String? = nil, metadata: JSONObject = JSONObject(), agent: String? = nil) {
        self.instructions = instructions
        self.greeting = greeting
        self.metadata = metadata
        self.agent = agent
    }

    /// Whether it changes nothing.
    public var isEmpty: Bool { instructions == nil && greeting == nil && metadata.isEmpty && agent == nil }

    /// Whether the instructions or greeting differ from the defaults.
    public var changesTheConversation: Bool { instructions != nil || greeting != nil }

    /// The `<Parameter>` pairs that carry the agent, instructions and greeting (never the metadata).
    public var parameters: [(String, String)] {
        var pairs: [(String, String)] = agent.map { [("agent", $0)] } ?? []
        for (name, text) in [("instructions", instructions), ("greeting", greeting)] {
            guard let text else { continue }
            var rest = Substring(text)
            var index = 1
            repeat {
                pairs.append((index == 1 ? name : "\(name)_\(index)", String(rest.prefix(Self.pieceLength))))
                rest = rest.dropFirst(Self.pieceLength)
                index += 1
            } while !rest.isEmpty
        }
        return pairs
    }

    /// Reads the pieces back from a stream's `customParameters`; nil when there are none.
    public init?(customParameters: [String: String]) {
        func joined(_ name: String) -> String? {
            guard var text = customParameters[name] else { return nil }
            var index = 2
            while let piece = customParameters["\(name)_\(index)"] {
                text += piece
                index += 1
            }
            return text
        }
        self.init(instructions: joined("instructions"), greeting: joined("greeting"), agent: customParameters["agent"])
        if isEmpty { return nil }
    }
}
