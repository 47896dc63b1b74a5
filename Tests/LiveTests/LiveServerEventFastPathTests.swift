import Testing
import JSON
@testable import Live

/// `decodeAudioDelta` (the fast path for output audio) must give exactly what the full parse
/// gives, or decline; checked against `decode(json: JSON.parse(…))` on variants of a primary
/// WebSocket delta and a sideband one (with `start_ms`/`end_ms`): each member given each odd
/// value, dropped or repeated, the text cut or hit by a stray byte.
@Suite("LiveServerEvent fast path")
struct LiveServerEventFastPathTests {
    static let members: [(String, String)] = [
        ("type", #""session.output_audio.delta""#), ("event_id", #""event_7""#), ("delta", #""/////w==""#),
        ("start_ms", "1200"), ("end_ms", "1220"),
    ]

    static let oddValues = [
        #""""#, #""x""#, "7", "-0", "1.5", "1e2", "007", "true", "null", "{}", #"{"delta":"AAAA"}"#, "[]",
        #""\u0041""#, #""é""#, #""AAA""#, #""AA=A""#, #""not base64""#, #""\/\/\/\/\/w==""#,
        #""session.output_transcript.delta""#, #""/////w==""#,
    ]

    static func text(_ members: [(String, String)]) -> String {
        "{" + members.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }

    static var variants: [String] {
        var out: [String] = []
        for base in [Array(members.prefix(3)), members] {
            out.append(text(base))
            for index in base.indices {
                for value in oddValues {
                    var m = base; m[index].1 = value; out.append(text(m))
                }
                var dropped = base; dropped.remove(at: index); out.append(text(dropped))
                var repeated = base; repeated.append((base[index].0, #""QUJD""#)); out.append(text(repeated))
            }
        }
        let bytes = Array(text(members).utf8)
        for cut in 0..<bytes.count { out.append(String(decoding: bytes[0..<cut], as: UTF8.self)) }
        for position in 0..<bytes.count {
            for byte: UInt8 in [0x22, 0x5C, 0x7D, 0x2C, 0x0A, 0x00, 0x7B] {
                var copy = bytes; copy[position] = byte; out.append(String(decoding: copy, as: UTF8.self))
            }
        }
        return out
    }

    private func full(_ text: String) -> Result<LiveServerEvent, LiveEventError> {
        Result { () throws(LiveEventError) -> LiveServerEvent in
            let json: JSON
            do throws(JSONError) { json = try JSON.parse(text) } catch { throw LiveEventError(.notJSON(error)) }
            return try LiveServerEvent.decode(json: json)
        }
    }

    private func fast(_ text: String) -> LiveServerEvent? {
        var copy = text
        return copy.withUTF8 { LiveServerEvent.decodeAudioDelta(UnsafeRawBufferPointer($0)) }
    }

    @Test func fastPath_agreesWithTheFullParse() {
        var taken = 0
        for text in Self.variants {
            let expected = full(text)
            if let fast = fast(text) {
                taken += 1
                #expect(expected == .success(fast), "fast path disagrees on \(text)")
            }
            #expect(Result { () throws(LiveEventError) in try LiveServerEvent.decode(text) } == expected, "\(text)")
        }
        #expect(taken > 30, "fast path taken \(taken) times of \(Self.variants.count)")
    }

    @Test func anEscapedSlash_takesTheFullParseToTheSameDelta() throws {
        let escaped = #"{"type":"session.output_audio.delta","event_id":"e","delta":"\/\/\/\/\/w=="}"#
        let plain = #"{"type":"session.output_audio.delta","event_id":"e","delta":"/////w=="}"#
        #expect(fast(escaped) == nil)
        #expect(fast(plain) == .outputAudioDelta(delta: "/////w=="))
        #expect(try LiveServerEvent.decode(escaped) == .outputAudioDelta(delta: "/////w=="))
        #expect(try LiveServerEvent.decode(escaped) == LiveServerEvent.decode(plain))
    }
}
