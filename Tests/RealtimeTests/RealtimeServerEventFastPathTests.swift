import Testing
import JSON
@testable import Realtime

/// `decodeAudioDelta` (the fast path for audio deltas) must give exactly what the full parse
/// gives, or decline; checked against `decode(json: JSON.parse(…))` on variants of a GA and a
/// beta delta: each member given each odd value, dropped or repeated, the text cut or hit by a
/// stray byte.
@Suite("RealtimeServerEvent fast path")
struct RealtimeServerEventFastPathTests {
    static let members: [(String, String)] = [
        ("type", #""response.output_audio.delta""#), ("event_id", #""event_7""#), ("response_id", #""resp_1""#),
        ("item_id", #""item_2""#), ("output_index", "0"), ("content_index", "0"), ("delta", #""/////w==""#),
    ]

    static let oddValues = [
        #""""#, #""x""#, "7", "-0", "1.5", "1e2", "007", "true", "null", "{}", #"{"delta":"AAAA"}"#, "[]",
        #""\u0041""#, #""é""#, #""AAA""#, #""AA=A""#, #""not base64""#, #""response.audio.delta""#,
        #""response.output_audio.done""#, #""/////w==""#,
    ]

    static func text(_ members: [(String, String)]) -> String {
        "{" + members.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }

    static var variants: [String] {
        var out = [text(members)]
        for index in members.indices {
            for value in oddValues {
                var m = members; m[index].1 = value; out.append(text(m))
            }
            var dropped = members; dropped.remove(at: index); out.append(text(dropped))
            var repeated = members; repeated.append((members[index].0, #""QUJD""#)); out.append(text(repeated))
        }
        let base = Array(text(members).utf8)
        for cut in 0..<base.count { out.append(String(decoding: base[0..<cut], as: UTF8.self)) }
        for position in 0..<base.count {
            for byte: UInt8 in [0x22, 0x5C, 0x7D, 0x2C, 0x0A, 0x00, 0x7B] {
                var bytes = base; bytes[position] = byte; out.append(String(decoding: bytes, as: UTF8.self))
            }
        }
        return out
    }

    private func full(_ text: String) -> Result<RealtimeServerEvent, RealtimeEventError> {
        Result { () throws(RealtimeEventError) -> RealtimeServerEvent in
            let json: JSON
            do throws(JSONError) { json = try JSON.parse(text) } catch { throw RealtimeEventError(.notJSON(error)) }
            return try RealtimeServerEvent.decode(json: json)
        }
    }

    @Test func fastPath_agreesWithTheFullParse() {
        var taken = 0
        for text in Self.variants {
            var copy = text
            let fast = copy.withUTF8 { RealtimeServerEvent.decodeAudioDelta(UnsafeRawBufferPointer($0)) }
            let expected = full(text)
            if let fast {
                taken += 1
                #expect(expected == .success(fast), "fast path disagrees on \(text)")
            }
            #expect(Result { () throws(RealtimeEventError) in try RealtimeServerEvent.decode(text) } == expected, "\(text)")
        }
        #expect(taken > 30, "fast path taken \(taken) times of \(Self.variants.count)")
    }
}
