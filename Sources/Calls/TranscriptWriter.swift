import Dispatch
import Foundation
import JSON

/// Appends each utterance of a call as a JSON line to `<dir>/<CallSid>.jsonl`, on a background
/// queue so that disk latency never reaches the audio path. An outbound call placed with
/// metadata starts with one line `{"call","role":"call","metadata","time"}`.
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

    /// Queues one line `{"call","role","text","time"}` for `callSid`.
    public func append(callSid: String, role: String, text: String, at date: Date = Date()) {
        write(callSid: callSid, [("call", .string(callSid)), ("role", .string(role)), ("text", .string(text)),
                                 ("time", .string(Self.iso8601(date)))])
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
        let safeName = Self.fileName(callSid)
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
        let safeName = Self.fileName(callSid)
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

    /// A CallSid is `CA` + hex; anything else is made safe for a file name.
    private static func fileName(_ callSid: String) -> String {
        String(callSid.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
    }

    private static func iso8601(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: date)
    }
}
