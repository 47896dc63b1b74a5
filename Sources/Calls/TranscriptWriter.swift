import Dispatch
import Foundation
import JSON
import Twilio

/// Appends each utterance of a call as a JSON line to `<dir>/<CallSid>.jsonl`, on a background
/// queue so that disk latency never reaches the audio path. An outbound call placed with
/// metadata starts with one line `{"call","role":"call","metadata","time"}`.
///
/// A CallSid that is not Twilio's shape gets a safe stem instead (see `fileStem(for:)`): the
/// sid comes from the stream's `start` message, so it must never choose where a file goes.
public final class TranscriptWriter: @unchecked Sendable {
    // @unchecked: the only mutable state (`handles`) is touched solely on `queue`, a serial queue.
    private let directory: String
    private let queue = DispatchQueue(label: "voice-bridge.transcripts")
    private var handles: [String: FileHandle] = [:]
    private let onError: @Sendable (String) -> Void

    /// Writes under `directory` (created if missing); `onError` hears I/O failures (off the loop thread).
    public init(directory: String, onError: @escaping @Sendable (String) -> Void) {
        self.directory = directory
        self.onError = onError
    }

    /// Queues one line `{"call","role","text","time"}` for `callSid` (with `phase` and the
    /// call's `agent` when there are).
    public func append(callSid: String, role: String, text: String, phase: String? = nil, agent: String? = nil,
                       at date: Date = Date()) {
        var members: [(String, JSON)] = [("call", .string(callSid)), ("role", .string(role)), ("text", .string(text))]
        if let phase { members.append(("phase", .string(phase))) }
        if let agent { members.append(("agent", .string(agent))) }
        write(callSid: callSid, members + [("time", .string(Self.iso8601(date)))])
    }

    /// Queues the call's first line, `{"call","role":"call","metadata","time"}`: what `POST /calls`
    /// said about it. Its role tells it from the utterances (`caller`, `assistant`).
    public func appendMetadata(callSid: String, metadata: JSONObject, at date: Date = Date()) {
        write(callSid: callSid, [("call", .string(callSid)), ("role", .string("call")), ("metadata", .object(metadata)),
                                 ("time", .string(Self.iso8601(date)))])
    }

    private func write(callSid: String, _ members: [(String, JSON)]) {
        let line: JSON = .object(JSONObject(members))
        let bytes = Data((line.serialized() + "\n").utf8)
        let safeName = Self.fileStem(for: callSid)
        queue.async { [self] in
            do {
                let handle = try self.handle(for: safeName)
                try handle.write(contentsOf: bytes)
            } catch {
                self.onError("could not write transcript \(self.directory)/\(safeName).jsonl: \(error.localizedDescription) — check TRANSCRIPTS_DIR exists and is writable")
            }
        }
    }

    /// Closes the call's file once its queued lines are written.
    public func finish(callSid: String) {
        let safeName = Self.fileStem(for: callSid)
        queue.async { [self] in
            try? self.handles.removeValue(forKey: safeName)?.close()
        }
    }

    /// Waits until everything queued is on disk (tests, shutdown).
    public func sync() { queue.sync {} }

    private func handle(for name: String) throws -> FileHandle {
        if let h = handles[name] { return h }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/" + name + ".jsonl"
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
        }
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try h.seekToEnd()
        handles[name] = h
        return h
    }

    /// The longest part of a non-Twilio CallSid kept in its file name, before the hash.
    static let maxUnsafeStemPrefix = 40

    /// The file name (without `.jsonl`) for `callSid`: the sid itself when it is Twilio's shape,
    /// `CA` + 32 hex digits; anything else becomes its `[A-Za-z0-9_-]` characters (others as
    /// `_`, at most `maxUnsafeStemPrefix`), `-`, and 16 hex digits of the SHA-256 of the whole
    /// sid, so that two different sids never share a file and no name leaves the directory. Such
    /// a name never starts with `-`, which a shell command would take for an option.
    ///
    /// Works on UTF-8 bytes, not Characters: a Character is judged by its first scalar, so
    /// `x\u{0D4E}/y` once passed `isLetter` as one Character and wrote into a subdirectory.
    static func fileStem(for callSid: String) -> String {
        let bytes = Array(callSid.utf8)
        if isTwilioCallSid(bytes) { return callSid }
        let kept = bytes.prefix(maxUnsafeStemPrefix).map { isFileNameByte($0) ? $0 : UInt8(ascii: "_") }
        let stem = String(decoding: kept, as: UTF8.self) + "-" + TwilioSignature.bodySHA256(bytes).prefix(16)
        return stem.hasPrefix("-") ? "_" + stem : stem
    }

    /// `CA` followed by exactly 32 hex digits, as Twilio writes a CallSid.
    private static func isTwilioCallSid(_ bytes: [UInt8]) -> Bool {
        bytes.count == 34 && bytes[0] == UInt8(ascii: "C") && bytes[1] == UInt8(ascii: "A")
            && bytes.dropFirst(2).allSatisfy(isHexDigit)
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(byte)
    }

    /// `[A-Za-z0-9_-]`: no `/`, no `.`, nothing a file system or a shell treats specially.
    private static func isFileNameByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }

    static func iso8601(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: date)
    }
}
