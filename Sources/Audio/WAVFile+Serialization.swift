#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// `WAVFile` has `read(path:)` and `write(path:)` members, which shadow the C functions inside it.
private func posixRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(fd, buffer, count)
}

private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}

extension WAVFile {
    /// Reads and parses the WAV file at `path`.
    ///
    /// The path is remembered in `sourcePath`, so a format error names the file and gives a `sox`
    /// command for it.
    public static func read(path: String) throws -> WAVFile {
        var file = try parse(readAll(path: path))
        file.sourcePath = path
        return file
    }

    /// Writes `serialized()` to `path`, replacing any existing file.
    public func write(path: String) throws {
        try Self.writeAll(serialized(), path: path)
    }

    /// The file as RIFF WAVE bytes.
    ///
    /// Linear PCM gets the 16-byte `fmt ` chunk. Every other format gets the 18-byte
    /// WAVEFORMATEX (with `cbSize` 0) and a `fact` chunk holding the sample count, as the RIFF
    /// specification requires for non-PCM data. An odd-sized `data` chunk is padded to a word.
    public func serialized() -> [UInt8] {
        let isPCM = encoding.formatTag == 1
        let bits = encoding.bitsPerSample
        let blockAlign = channels * max(1, (bits + 7) / 8)

        var fmt: [UInt8] = []
        Self.append16(encoding.formatTag, to: &fmt)
        Self.append16(UInt16(truncatingIfNeeded: channels), to: &fmt)
        Self.append32(UInt32(truncatingIfNeeded: sampleRate), to: &fmt)
        Self.append32(UInt32(truncatingIfNeeded: sampleRate * blockAlign), to: &fmt)
        Self.append16(UInt16(truncatingIfNeeded: blockAlign), to: &fmt)
        Self.append16(UInt16(truncatingIfNeeded: bits), to: &fmt)
        if !isPCM { Self.append16(0, to: &fmt) }

        var body: [UInt8] = Self.waveTag
        Self.appendChunk(Self.fmtTag, fmt, to: &body)
        if !isPCM {
            var fact: [UInt8] = []
            Self.append32(UInt32(truncatingIfNeeded: data.count / blockAlign), to: &fact)
            Self.appendChunk(Self.factTag, fact, to: &body)
        }
        Self.appendChunk(Self.dataTag, data, to: &body)

        var bytes: [UInt8] = Self.riffTag
        bytes.reserveCapacity(8 + body.count)
        Self.append32(UInt32(truncatingIfNeeded: body.count), to: &bytes)
        bytes += body
        return bytes
    }

    // MARK: - Byte helpers

    private static func appendChunk(_ id: [UInt8], _ payload: [UInt8], to bytes: inout [UInt8]) {
        bytes += id
        append32(UInt32(truncatingIfNeeded: payload.count), to: &bytes)
        bytes += payload
        if payload.count & 1 == 1 { bytes.append(0) }
    }

    private static func append16(_ value: UInt16, to bytes: inout [UInt8]) {
        bytes.append(UInt8(value & 0xFF))
        bytes.append(UInt8(value >> 8))
    }

    private static func append32(_ value: UInt32, to bytes: inout [UInt8]) {
        for shift in stride(from: 0, to: 32, by: 8) {
            bytes.append(UInt8((value >> UInt32(shift)) & 0xFF))
        }
    }

    // MARK: - File I/O (POSIX, so errors carry errno)

    private static func readAll(path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw ioError("cannot open", path) }
        defer { close(fd) }

        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { posixRead(fd, $0.baseAddress, $0.count) }
            if count == 0 { return bytes }
            if count < 0 {
                if errno == EINTR { continue }
                throw ioError("cannot read", path)
            }
            bytes += chunk[0..<count]
        }
    }

    private static func writeAll(_ bytes: [UInt8], path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw ioError("cannot create", path) }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { posixWrite(fd, $0.baseAddress! + written, $0.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                let error = ioError("cannot write", path)
                close(fd)
                throw error
            }
            written += count
        }
        guard close(fd) == 0 else { throw ioError("cannot finish writing", path) }
    }

    private static func ioError(_ action: String, _ path: String) -> WAVError {
        let code = errno
        return .io("\(action) \(path): \(String(cString: strerror(code))) (errno \(code)) — "
            + "check that the path exists and is accessible")
    }
}
