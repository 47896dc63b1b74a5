/// Text shaping for what tools hand to the model: short, single-spaced, cut at a word.
extension String {
    /// The text with every run of white space (line breaks included) turned into one space,
    /// and none at either end.
    func collapsingWhitespace() -> String {
        split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    /// The text cut to at most `limit` characters, at the last space before the limit when
    /// there is one in the second half, with `…` marking the cut. Shorter text is unchanged.
    func truncated(toCharacters limit: Int) -> String {
        guard count > limit, limit > 1 else { return count > limit ? String(prefix(limit)) : self }
        var head = prefix(limit - 1)
        if let space = head.lastIndex(of: " "), head.distance(from: head.startIndex, to: space) >= limit / 2 {
            head = head[..<space]
        }
        return String(head) + "…"
    }
}
