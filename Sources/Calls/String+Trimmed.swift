extension String {
    /// The string without leading and trailing characters from `set` (the call layer stays off
    /// Foundation's `trimmingCharacters`).
    public func trimmed(of set: Set<Character>) -> String {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, set.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}
