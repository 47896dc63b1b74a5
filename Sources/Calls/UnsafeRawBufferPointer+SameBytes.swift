extension UnsafeRawBufferPointer {
    /// Whether both hold the same bytes: a plain loop over two short ids, where the generic
    /// `elementsEqual` cost ~10 instructions a byte (it runs for every delta and mark echo).
    func hasSameBytes(as other: UnsafeRawBufferPointer) -> Bool {
        guard count == other.count else { return false }
        for i in 0..<count where self[i] != other[i] { return false }
        return true
    }
}
