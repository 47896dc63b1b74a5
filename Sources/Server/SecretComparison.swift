/// Whether `given` equals the secret `expected` (an API key, a password), in a time that tells
/// neither how much of it was right nor how long the secret is: every byte of `expected` is
/// compared, whatever `given` holds.
func secretMatches(_ given: [UInt8], _ expected: [UInt8]) -> Bool {
    var difference = UInt8(given.count == expected.count ? 0 : 1)
    for index in 0..<expected.count {
        difference |= expected[index] ^ (index < given.count ? given[index] : 0)
    }
    return difference == 0
}
