import Net

/// An incremental WebSocket frame parser (RFC 6455 §5.2): feed bytes with `append`, then call
/// `next()` until it returns nil.
///
/// Every header rule is checked as soon as the bytes that carry it have arrived, before the
/// parser waits for the payload: RSV bits, reserved opcodes, control-frame rules, masking for the
/// role, the 64-bit length's top bit, and `maxFrameSize` (1009). So a peer cannot make it buffer
/// more than `maxFrameSize` plus one `append`. After an error the parser is spent and `next()`
/// throws the same error again; hand it to `WSStateMachine.protocolError(_:)`.
///
/// Text is checked for UTF-8 as its bytes arrive, even inside one frame that is still incomplete,
/// so an invalid byte fails the connection with 1007 at once (Autobahn 6.4.3-6.4.4); the
/// parser unmasks each byte once, in place, as it arrives. `WSStateMachine` still checks each
/// fragment and the end of the message, which keeps it correct when used on its own.
///
/// Lengths written in a longer form than needed (e.g. 5 in the 16-bit form) are accepted:
/// RFC 6455 §5.2 requires the minimal form of senders, Autobahn does not test receivers for it,
/// and refusing it protects nothing. `WSFrameEncoder` always writes the minimal form.
public struct WSFrameParser: Sendable {
    /// Which end this parser reads for: a server requires masked frames, a client unmasked ones.
    public let role: WSRole
    /// The largest payload accepted in one frame; larger frames fail with 1009.
    public let maxFrameSize: Int

    /// The bytes received and not yet parsed (shared with the other parsers: `InputBuffer`).
    private var input = InputBuffer()
    private var failure: WSProtocolError?
    /// Payload bytes of the incomplete frame at `readIndex` already unmasked and checked.
    private var payloadProgress = 0
    /// True between a non-final text frame and the final frame of that message.
    private var textMessageInProgress = false
    private var utf8 = WSUTF8Validator()

    /// Creates a parser for one connection.
    public init(role: WSRole, maxFrameSize: Int = 1 << 20) {
        self.role = role
        self.maxFrameSize = maxFrameSize
    }

    /// Bytes received but not yet returned as frames.
    public var bufferedByteCount: Int {
        input.bytes.count - input.readIndex
    }

    /// Adds received bytes.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        input.append(bytes)
    }

    /// Adds received bytes.
    public mutating func append(_ bytes: [UInt8]) {
        input.append(bytes)
    }

    /// The next complete frame, or nil when more bytes are needed.
    ///
    /// - Throws: `WSProtocolError` with close code 1002 (protocol violation) or 1009 (frame larger
    ///   than `maxFrameSize`).
    public mutating func next() throws(WSProtocolError) -> WSFrame? {
        guard let slice = try nextSlice() else { return nil }
        return frame(slice)
    }

    /// The next complete frame without copying its payload: the payload is
    /// `bytes[slice.payload]`, valid until the next `append`. Same rules and errors as `next()`.
    public mutating func nextSlice() throws(WSProtocolError) -> WSFrameSlice? {
        if let failure { throw failure }
        do throws(WSProtocolError) {
            return try parseFrame()
        } catch {
            failure = error
            throw error
        }
    }

    /// The buffer that `WSFrameSlice.payload` indexes (already unmasked).
    public var bytes: [UInt8] { input.bytes }

    /// The frame `slice` describes, with its payload copied out of the buffer.
    public func frame(_ slice: WSFrameSlice) -> WSFrame {
        WSFrame(fin: slice.fin, opcode: slice.opcode, payload: Array(input.bytes[slice.payload]))
    }

    private mutating func parseFrame() throws(WSProtocolError) -> WSFrameSlice? {
        let available = input.bytes.count - input.readIndex
        guard available >= 2 else { return nil }
        let first = input.bytes[input.readIndex]
        let second = input.bytes[input.readIndex + 1]
        let fin = first & 0x80 != 0
        // RFC 6455 §5.2: "MUST be 0 unless an extension is negotiated"; we never negotiate one.
        guard first & 0x70 == 0 else {
            throw .protocolViolation("RSV bits set (0x\(String(first & 0x70, radix: 16))) but no extension was negotiated")
        }
        guard let opcode = WSOpcode(rawValue: first & 0x0F) else {
            throw .protocolViolation("reserved opcode 0x\(String(first & 0x0F, radix: 16))")
        }
        let masked = second & 0x80 != 0
        var length = Int(second & 0x7F)
        if opcode.isControl {
            // RFC 6455 §5.5: "All control frames MUST have a payload length of 125 bytes or less
            // and MUST NOT be fragmented."
            guard fin else { throw .protocolViolation("fragmented \(opcode) frame") }
            guard length <= 125 else { throw .protocolViolation("\(opcode) frame longer than 125 bytes") }
        }
        switch role {
        case .server where !masked:
            // RFC 6455 §5.1: "The server MUST close the connection upon receiving a frame that is not masked."
            throw .protocolViolation("client frame is not masked")
        case .client where masked:
            // RFC 6455 §5.1: "A client MUST close a connection if it detects a masked frame."
            throw .protocolViolation("server frame is masked")
        default:
            break
        }
        var headerLength = 2
        if length == 126 {
            guard available >= 4 else { return nil }
            length = Int(input.bytes[input.readIndex + 2]) << 8 | Int(input.bytes[input.readIndex + 3])
            headerLength = 4
        } else if length == 127 {
            guard available >= 10 else { return nil }
            var wide: UInt64 = 0
            for index in (input.readIndex + 2)..<(input.readIndex + 10) { wide = wide << 8 | UInt64(input.bytes[index]) }
            // RFC 6455 §5.2: "the most significant bit MUST be 0".
            guard wide >> 63 == 0 else { throw .protocolViolation("64-bit payload length has its top bit set") }
            guard wide <= UInt64(maxFrameSize) else { throw .tooBig("frame of \(wide) bytes exceeds the limit of \(maxFrameSize)") }
            length = Int(wide)
            headerLength = 10
        }
        guard length <= maxFrameSize else { throw .tooBig("frame of \(length) bytes exceeds the limit of \(maxFrameSize)") }
        var maskingKey: UInt32?
        if masked {
            guard available >= headerLength + 4 else { return nil }
            var key: UInt32 = 0
            for index in (input.readIndex + headerLength)..<(input.readIndex + headerLength + 4) { key = key << 8 | UInt32(input.bytes[index]) }
            maskingKey = key
            headerLength += 4
        }
        let payloadStart = input.readIndex + headerLength
        let arrived = min(length, available - headerLength)
        if opcode == .text && payloadProgress == 0 {
            utf8 = WSUTF8Validator()
        }
        if arrived > payloadProgress {
            try processArrivedPayload((payloadStart + payloadProgress)..<(payloadStart + arrived), phase: payloadProgress, maskingKey: maskingKey, isText: opcode == .text || (opcode == .continuation && textMessageInProgress))
            payloadProgress = arrived
        }
        guard arrived == length else { return nil }
        input.readIndex = payloadStart + length
        payloadProgress = 0
        // A text frame that opens a message had its bytes checked from a fresh validator.
        let completeText = opcode == .text && utf8.isComplete
        if !opcode.isControl {
            textMessageInProgress = !fin && (opcode == .text || (opcode == .continuation && textMessageInProgress))
        }
        return WSFrameSlice(fin: fin, opcode: opcode, payload: payloadStart..<input.readIndex, isCompleteText: completeText)
    }

    /// Unmasks newly arrived payload bytes in place and, for text, checks them for UTF-8.
    private mutating func processArrivedPayload(_ range: Range<Int>, phase: Int, maskingKey: UInt32?, isText: Bool) throws(WSProtocolError) {
        if let maskingKey {
            WSMasking.apply(key: maskingKey, phase: phase, to: &input.bytes, range: range)
        }
        guard isText else { return }
        let valid = input.bytes.withUnsafeBytes { raw in
            utf8.feed(UnsafeRawBufferPointer(rebasing: raw[range]))
        }
        // RFC 6455 §8.1: fail as soon as the bytes cannot be UTF-8, before the frame completes.
        guard valid else { throw .invalidUTF8("text message is not valid UTF-8") }
    }

}

/// A complete frame located in `WSFrameParser.bytes`, returned without copying its payload.
public struct WSFrameSlice: Sendable, Equatable {
    /// True on the last frame of a message.
    public var fin: Bool
    /// What the frame carries.
    public var opcode: WSOpcode
    /// Where the (unmasked) payload lies in `WSFrameParser.bytes`.
    public var payload: Range<Int>
    /// True for a `.text` frame whose bytes the parser found to be whole, valid UTF-8 on their
    /// own (checked as they arrived; a frame ending inside a character is false).
    public var isCompleteText: Bool
}
