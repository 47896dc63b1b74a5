import Base64
import Foundation

/// A short recorded message for the caller (8 kHz μ-law, as Twilio plays it), cut and base64
/// encoded once at start-up so that playing it costs the call nothing but the sends.
public struct SpokenPrompt: Sendable, Equatable {
    /// Twilio `media` payloads, in order.
    public let payloads: [String]
    /// Its length in milliseconds (8 bytes a millisecond).
    public let durationMs: Int

    /// Cuts `muLaw` into payloads of `chunkBytes` (800 = 100 ms).
    public init(muLaw: [UInt8], chunkBytes: Int = 800) {
        var payloads: [String] = []
        var start = 0
        while start < muLaw.count {
            let end = min(start + chunkBytes, muLaw.count)
            payloads.append(Base64.encode(Array(muLaw[start..<end])))
            start = end
        }
        self.payloads = payloads
        durationMs = muLaw.count / 8
    }

    /// Reads a headerless μ-law file (`config/prompts/*.ulaw`); an empty file is an error.
    /// `variable` names the setting that points at it, for the message.
    public static func load(path: String, variable: String = "RECONNECT_PROMPT_FILE") throws -> SpokenPrompt {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SpokenPromptError(message: "cannot read \(path) — check \(variable), or regenerate it with scripts/make-prompts")
        }
        guard !data.isEmpty else { throw SpokenPromptError(message: "\(path) is empty — regenerate it with scripts/make-prompts") }
        return SpokenPrompt(muLaw: [UInt8](data))
    }
}

/// A prompt file that cannot be used.
public struct SpokenPromptError: Error, CustomStringConvertible {
    /// What is wrong and the fix.
    public let message: String
    public var description: String { message }
}
