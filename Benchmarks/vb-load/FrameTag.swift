import Base64
/// The 12 bytes that open every simulated caller frame, so the frame can be recognised when the
/// bridge sends it back: which call sent it, its sequence number and when it left.
///
/// The μ-law payload travels caller → bridge → provider → bridge → caller as the same base64 text
/// (the bridge never decodes it), so the tag survives the round trip byte for byte. Twelve bytes
/// are four whole base64 groups: the tag is the first 16 characters of the payload, and the other
/// 148 bytes of the frame encode the same every time (`FrameTag.restOfFrameBase64`).
struct FrameTag: Equatable {
    /// "VB": tells a tagged frame from any other audio.
    static let magic: UInt16 = 0x5642
    /// Tag length in bytes.
    static let byteCount = 12
    /// Tag length in base64 characters.
    static let base64Count = 16
    /// μ-law bytes in one 20 ms frame at 8 kHz.
    static let frameBytes = 160

    /// The index of the call that sent the frame (detects audio delivered to the wrong call).
    var call: UInt16
    /// The frame's number within its call, from 0.
    var sequence: UInt32
    /// The low 32 bits of `MonotonicClock.nowUs()` when the frame was written to the socket.
    var sentUs: UInt32

    /// Appends the tag's 16 base64 characters to `output`.
    func appendBase64(to output: inout [UInt8]) {
        var raw = [UInt8](repeating: 0, count: FrameTag.byteCount)
        raw[0] = UInt8(FrameTag.magic >> 8); raw[1] = UInt8(FrameTag.magic & 0xFF)
        raw[2] = UInt8(call >> 8); raw[3] = UInt8(call & 0xFF)
        for i in 0..<4 {
            raw[4 + i] = UInt8(truncatingIfNeeded: sequence >> UInt32(24 - 8 * i))
            raw[8 + i] = UInt8(truncatingIfNeeded: sentUs >> UInt32(24 - 8 * i))
        }
        raw.withUnsafeBytes { Base64.encode($0, appendingTo: &output) }
    }

    /// Reads a tag from the first 16 base64 characters of `text`; nil if they are not a tag.
    static func decode(base64 text: UnsafeRawBufferPointer) -> FrameTag? {
        guard text.count >= base64Count,
              let raw = Base64.decode(UnsafeRawBufferPointer(rebasing: text[0..<base64Count])),
              raw.count == byteCount,
              UInt16(raw[0]) << 8 | UInt16(raw[1]) == magic else { return nil }
        func word(_ at: Int) -> UInt32 {
            UInt32(raw[at]) << 24 | UInt32(raw[at + 1]) << 16 | UInt32(raw[at + 2]) << 8 | UInt32(raw[at + 3])
        }
        return FrameTag(call: UInt16(raw[2]) << 8 | UInt16(raw[3]), sequence: word(4), sentUs: word(8))
    }

    /// Base64 of the 148 bytes after the tag: μ-law silence (0xFF), as a quiet phone line sends.
    static let restOfFrameBase64: [UInt8] = {
        var out: [UInt8] = []
        [UInt8](repeating: 0xFF, count: frameBytes - byteCount).withUnsafeBytes { Base64.encode($0, appendingTo: &out) }
        return out
    }()

    /// Microseconds from `sentUs` to `nowUs`, modulo 2^32 (right for any round trip under 71 minutes).
    func elapsedUs(now nowUs: Int64) -> Int64 {
        Int64(UInt32(truncatingIfNeeded: nowUs) &- sentUs)
    }
}
