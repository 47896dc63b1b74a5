import WebSocket

/// Bytes a client sends: the upgrade request, then masked frames.
enum RawWS {
    static let upgrade = Array("GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n".utf8)

    static func frame(_ opcode: WSOpcode, _ payload: [UInt8], fin: Bool = true, masked: Bool = true) -> [UInt8] {
        var bytes: [UInt8] = []
        payload.withUnsafeBytes {
            WSFrameEncoder.append(opcode: opcode, payload: $0, fin: fin, maskingKey: masked ? 0xA1B2_C3D4 : nil, into: &bytes)
        }
        return bytes
    }

    /// The frames the server sent after its `101` answer.
    static func serverFrames(_ received: [UInt8]) -> [WSFrame] {
        let text = String(decoding: received, as: UTF8.self)
        guard text.hasPrefix("HTTP/1.1 101"), let end = text.range(of: "\r\n\r\n") else { return [] }
        var parser = WSFrameParser(role: .client, maxFrameSize: 1 << 24)
        parser.append(Array(received[text.utf8.distance(from: text.startIndex, to: end.upperBound)...]))
        var frames: [WSFrame] = []
        while let frame = try? parser.next() { frames.append(frame) }
        return frames
    }

    /// The close code in the server's close frame, if it sent one.
    static func closeCode(_ received: [UInt8]) -> UInt16? {
        guard let close = serverFrames(received).first(where: { $0.opcode == .close }), close.payload.count >= 2 else { return nil }
        return UInt16(close.payload[0]) << 8 | UInt16(close.payload[1])
    }
}
