/// An incremental UTF-8 validator for text messages that arrive in fragments (RFC 6455 §8.1).
///
/// It is the byte-at-a-time automaton of the WHATWG Encoding Standard's UTF-8 decoder (the same
/// language as Hoehrmann's DFA, written with explicit bounds instead of a table): after a lead
/// byte it narrows the accepted range of the next byte, so overlong forms (`E0 80`), surrogates
/// (`ED A0`) and code points past U+10FFFF (`F4 90`) fail **on the byte where they become
/// invalid**, which is what Autobahn's fail-fast cases (6.x) check. Runs of ASCII are skipped
/// thirty-two, then eight bytes at a time.
public struct WSUTF8Validator: Sendable, Equatable {
    /// Continuation bytes still expected by the current sequence.
    private var pending: UInt8 = 0
    private var lowerBound: UInt8 = 0x80
    private var upperBound: UInt8 = 0xBF
    private var failed = false

    /// Creates a validator at the start of a message.
    public init() {}

    /// True when the bytes so far are valid and do not stop inside a multi-byte sequence, i.e.
    /// the message may end here.
    public var isComplete: Bool {
        !failed && pending == 0
    }

    /// True once an invalid byte has been seen; it stays so.
    public var hasFailed: Bool {
        failed
    }

    /// Feeds the next bytes; false as soon as they cannot be part of valid UTF-8.
    @discardableResult
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard !failed else { return false }
        let count = bytes.count
        var index = 0
        while index < count {
            if pending == 0 {
                // ASCII fast path: eight bytes with no high bit set are eight complete characters.
                // Thirty-two at a time first (one test for four words): every text message on the
                // audio path is ASCII JSON.
                let high: UInt64 = 0x8080_8080_8080_8080
                while index + 32 <= count {
                    let word = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                        | bytes.loadUnaligned(fromByteOffset: index + 8, as: UInt64.self)
                        | bytes.loadUnaligned(fromByteOffset: index + 16, as: UInt64.self)
                        | bytes.loadUnaligned(fromByteOffset: index + 24, as: UInt64.self)
                    guard word & high == 0 else { break }
                    index += 32
                }
                while index + 8 <= count, bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                    index += 8
                }
                guard index < count else { break }
            }
            if !step(bytes[index]) {
                failed = true
                return false
            }
            index += 1
        }
        return true
    }

    /// Feeds the next bytes; false as soon as they cannot be part of valid UTF-8.
    @discardableResult
    public mutating func feed(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { feed($0) }
    }

    /// True when `bytes` is a complete, valid UTF-8 string.
    public static func isValid(_ bytes: [UInt8]) -> Bool {
        var validator = WSUTF8Validator()
        return validator.feed(bytes) && validator.isComplete
    }

    /// True when `bytes` is a complete, valid UTF-8 string.
    public static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var validator = WSUTF8Validator()
        return validator.feed(bytes) && validator.isComplete
    }

    /// One transition (WHATWG Encoding Standard §9.1.1, "UTF-8 decoder").
    @inline(__always)
    private mutating func step(_ byte: UInt8) -> Bool {
        if pending == 0 {
            switch byte {
            case 0x00...0x7F:
                return true
            case 0xC2...0xDF:
                pending = 1
            case 0xE0:
                pending = 2
                lowerBound = 0xA0 // no overlong 3-byte forms
            case 0xE1...0xEC, 0xEE...0xEF:
                pending = 2
            case 0xED:
                pending = 2
                upperBound = 0x9F // no UTF-16 surrogates
            case 0xF0:
                pending = 3
                lowerBound = 0x90 // no overlong 4-byte forms
            case 0xF1...0xF3:
                pending = 3
            case 0xF4:
                pending = 3
                upperBound = 0x8F // nothing past U+10FFFF
            default:
                return false // 0x80-0xC1 (stray continuation, overlong 2-byte), 0xF5-0xFF
            }
            return true
        }
        guard byte >= lowerBound && byte <= upperBound else { return false }
        lowerBound = 0x80
        upperBound = 0xBF
        pending -= 1
        return true
    }
}
