import Foundation

/// One call's recording (`RECORDINGS_DIR`): a stereo 8 kHz μ-law WAV, the caller on the left,
/// the assistant on the right, the assistant's audio placed at the time it **played** (from the
/// marks Twilio echoes), so audio a barge-in flushed is not in it — the file is what the caller
/// heard.
///
/// The call's loop only records bytes and times (`caller`, `sent`, `played`); every `flushMs`
/// the settled part of the timeline is interleaved and handed to a background queue, which
/// appends it and rewrites the header's sizes, so the file is playable at every moment (a crash
/// leaves a valid file of all but the last seconds).
final class CallRecorder {
    /// Where the file is, for the call-ended event and the log.
    let fileName: String
    private let path: String
    private let queue: DispatchQueue
    private let onError: @Sendable (String) -> Void
    /// The caller's track not yet written (one byte per 1/8 ms), from `callerBase` bytes into
    /// the call: the call's clock is the caller's audio, which Twilio sends without pause.
    private var caller: [UInt8] = []
    private var callerBase = 0
    /// Bytes of the call so far.
    private var now: Int { callerBase + caller.count }
    /// The assistant's chunks sent and not yet played, by mark name.
    private var sent: [String: [UInt8]] = [:]
    /// The assistant's played chunks not yet written: where they start (bytes into the call).
    private var assistant: [(start: Int, bytes: [UInt8])] = []
    /// Bytes of the timeline (per channel) already written.
    private var written = 0
    /// Audio older than this (bytes, 1 s) is settled: a mark echoes within it.
    static let settleBytes = 8_000
    static let muLawSilence: UInt8 = 0xFF

    /// A recording of call `callSid` into `directory` (the file is created now).
    init?(directory: String, fileStem: String, onError: @escaping @Sendable (String) -> Void) {
        fileName = fileStem + ".wav"
        path = directory + "/" + fileName
        self.onError = onError
        queue = DispatchQueue(label: "recording." + fileStem)
        let header = Self.header(dataBytes: 0)
        let path = self.path
        queue.async {
            guard FileManager.default.createFile(atPath: path, contents: Data(header)) else {
                onError("could not create recording \(path) — check RECORDINGS_DIR exists and is writable")
                return
            }
        }
    }

    /// One caller frame (μ-law), in arrival order.
    func caller(_ bytes: some Collection<UInt8>) {
        caller.append(contentsOf: bytes)
        if now - written >= Self.settleBytes * 3 { flush(final: false) }
    }

    /// An assistant chunk sent to Twilio, followed by `mark`.
    func sent(_ bytes: [UInt8], mark: String) {
        if sent.count > 256 { sent.removeAll() }  // marks that never came back
        sent[mark] = bytes
    }

    /// `mark` came back: played (placed where it started playing: now, when its end played,
    /// minus its length) or flushed by a `clear` (dropped).
    func played(mark: String, heard: Bool) {
        guard let bytes = sent.removeValue(forKey: mark), heard else { return }
        let start = max(written, now - bytes.count)
        assistant.append((start, bytes))
    }

    /// Writes what is settled (everything at the end of the call).
    func flush(final: Bool) {
        let end = final ? max(now, assistant.map { $0.start + $0.bytes.count }.max() ?? 0)
                        : now - Self.settleBytes
        guard end > written else { return }
        var stereo = [UInt8](repeating: Self.muLawSilence, count: (end - written) * 2)
        for index in written..<min(end, now) { stereo[(index - written) * 2] = caller[index - callerBase] }
        var kept: [(start: Int, bytes: [UInt8])] = []
        for chunk in assistant {
            for (offset, byte) in chunk.bytes.enumerated() {
                let at = chunk.start + offset
                if at >= written && at < end { stereo[(at - written) * 2 + 1] = byte }
            }
            if chunk.start + chunk.bytes.count > end { kept.append(chunk) }
        }
        assistant = kept
        written = end
        // The caller's bytes already written are not needed again.
        let drop = min(written, now) - callerBase
        if drop > 0 {
            caller.removeFirst(drop)
            callerBase += drop
        }
        let path = self.path, onError = self.onError, total = written * 2, block = stereo
        queue.async {
            guard let handle = FileHandle(forUpdatingAtPath: path) else { return onError("could not write recording \(path)") }
            defer { try? handle.close() }
            do {
                try handle.seekToEnd()
                try handle.write(contentsOf: Data(block))
                try handle.seek(toOffset: 0)
                try handle.write(contentsOf: Data(Self.header(dataBytes: total)))
                if final { try handle.synchronize() }
            } catch {
                onError("could not write recording \(path): \(error.localizedDescription)")
            }
        }
    }

    /// A 58-byte WAV header for stereo 8 kHz μ-law (format 7) with `dataBytes` of samples.
    static func header(dataBytes: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        func u32(_ v: Int) { bytes += withUnsafeBytes(of: UInt32(v).littleEndian, Array.init) }
        func u16(_ v: Int) { bytes += withUnsafeBytes(of: UInt16(v).littleEndian, Array.init) }
        bytes += Array("RIFF".utf8); u32(50 + dataBytes); bytes += Array("WAVE".utf8)
        bytes += Array("fmt ".utf8); u32(18); u16(7); u16(2); u32(8_000); u32(16_000); u16(2); u16(8); u16(0)
        bytes += Array("fact".utf8); u32(4); u32(dataBytes / 2)
        bytes += Array("data".utf8); u32(dataBytes)
        return bytes
    }
}

@available(*, unavailable)
extension CallRecorder: Sendable {}
