/// GPT-Live's transcripts as turns: the service sends fragments
/// (`session.input_transcript.delta`, `session.output_transcript.delta`) on roughly 200 ms
/// boundaries, with no "done" and no turn boundaries, and the two speakers can interleave
/// (GPT-LIVE.md §5). A speaker's turn is what they said until `gapMs` passed without a fragment
/// of theirs (Pipecat uses 0.8 s), so each speaker has a turn of their own in progress.
/// Pure state: the session writes what it returns.
struct LiveTranscriptTurns {
    /// A finished turn.
    struct Turn: Equatable {
        var role: String
        var text: String
    }

    /// Silence that ends a speaker's turn.
    let gapMs: Int64
    private var caller = (text: "", lastMs: Int64(0))
    private var assistant = (text: "", lastMs: Int64(0))

    init(gapMs: Int64 = 800) {
        self.gapMs = gapMs
    }

    /// Whether a turn is in progress.
    var isEmpty: Bool { caller.text.isEmpty && assistant.text.isEmpty }

    /// Adds a fragment of `role` (`caller` or `assistant`) at `nowMs`; returns the turns that
    /// ended before it (its own speaker's, after a gap).
    mutating func add(role: String, _ fragment: String, nowMs: Int64) -> [Turn] {
        var ended = finished(nowMs: nowMs)
        if role == "caller" {
            caller.text += fragment
            caller.lastMs = nowMs
        } else {
            assistant.text += fragment
            assistant.lastMs = nowMs
        }
        ended.removeAll { $0.text.isEmpty }
        return ended
    }

    /// The turns quiet for `gapMs` at `nowMs` (all of them when `force`, at the end of a call).
    mutating func finished(nowMs: Int64, force: Bool = false) -> [Turn] {
        var ended: [Turn] = []
        for role in ["caller", "assistant"] {
            let turn = role == "caller" ? caller : assistant
            guard !turn.text.isEmpty, force || nowMs - turn.lastMs >= gapMs else { continue }
            let text = turn.text.split(whereSeparator: { $0 == " " || $0 == "\n" }).joined(separator: " ")
            if !text.isEmpty { ended.append(Turn(role: role, text: text)) }
            if role == "caller" { caller.text = "" } else { assistant.text = "" }
        }
        // The earlier speaker first.
        if ended.count == 2, assistant.lastMs < caller.lastMs, ended[0].role == "caller" { ended.swapAt(0, 1) }
        return ended
    }
}
