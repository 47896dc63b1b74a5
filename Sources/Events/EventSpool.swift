import Dispatch
import Foundation
import Glibc

/// One file per event not yet delivered, so that an event outlives a crash, a restart or a
/// receiver that is down for hours.
///
/// A file is `<unix ms, 15 digits>-<sequence, 6 digits>-<webhook-id>.event`, so names sort in the
/// order events were made; it holds one JSON line `{"id","type","created_at"}` and then the exact
/// body. It is written to `….tmp`, fsynced, renamed into place, and the directory fsynced, all on
/// a background queue: disk latency never reaches the loop (and so never the audio path). The
/// queue is serial, so a removal after a 2xx always follows the write it undoes.
///
/// Confined to the loop thread that calls it; only values cross to the queue.
public final class EventSpool {
    /// The directory (`EVENTS_SPOOL_DIR`).
    public let directory: String
    private let queue = DispatchQueue(label: "voice-bridge.events-spool")
    private let onError: @Sendable (String) -> Void
    private var sequence = 0

    /// One event read back from the directory, with the file it came from.
    public struct Entry: Sendable, Equatable {
        /// The file's name in the directory.
        public let fileName: String
        /// The event it holds.
        public let event: WebhookEvent
    }

    /// A spool in `directory` (created when missing); `onError` hears I/O failures, off the loop thread.
    public init(directory: String, onError: @escaping @Sendable (String) -> Void) {
        self.directory = directory
        self.onError = onError
        queue.async { [directory] in
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                onError("could not create the event spool \(directory): \(error.localizedDescription) — check EVENTS_SPOOL_DIR is writable")
            }
        }
    }

    /// Queues `event`'s file for writing; returns its name (for `remove`).
    @discardableResult
    public func write(_ event: WebhookEvent, nowMs: Int64 = Int64(Date().timeIntervalSince1970 * 1000)) -> String {
        sequence = (sequence + 1) % 1_000_000
        let name = Self.pad(nowMs, 15) + "-" + Self.pad(Int64(sequence), 6) + "-" + event.id + ".event"
        let bytes = Self.encode(event)
        queue.async { [directory, onError] in
            if let failure = Self.writeDurably(bytes, directory: directory, name: name) {
                onError("could not spool event \(event.id) (\(event.type)) to \(directory)/\(name): \(failure) — it is sent from memory but lost on a restart; check EVENTS_SPOOL_DIR")
            }
        }
        return name
    }

    /// Queues the removal of `fileName` (after a 2xx, or when the event is dropped).
    public func remove(fileName: String) {
        queue.async { [directory, onError] in
            let path = directory + "/" + fileName
            if unlink(path) != 0 && errno != ENOENT {
                onError("could not remove delivered event \(path): \(String(cString: strerror(errno))) — it will be sent again at the next start")
                return
            }
            Self.syncDirectory(directory)
        }
    }

    /// Reads every spooled event, oldest first, on the queue; `completion` runs there. Files
    /// left half-written (`.tmp`) by a crash are removed; unreadable files are reported and kept.
    public func load(_ completion: @escaping @Sendable ([Entry]) -> Void) {
        queue.async { [directory, onError] in
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            var entries: [Entry] = []
            for name in names.sorted() {
                let path = directory + "/" + name
                if name.hasSuffix(".tmp") {
                    unlink(path)  // never renamed into place: never acknowledged as spooled
                    continue
                }
                guard name.hasSuffix(".event") else { continue }
                guard let data = FileManager.default.contents(atPath: path), let event = Self.decode(Array(data)) else {
                    onError("ignored unreadable spooled event \(path) — move it away, or fix it")
                    continue
                }
                entries.append(Entry(fileName: name, event: event))
            }
            completion(entries)
        }
    }

    /// Waits until everything queued is on disk (shutdown, tests).
    public func sync() { queue.sync {} }

    // MARK: File format

    static func encode(_ event: WebhookEvent) -> [UInt8] {
        // The id is `msg_` + hex and the type a fixed word: nothing to escape.
        Array("{\"id\":\"\(event.id)\",\"type\":\"\(event.type)\",\"created_at\":\(event.createdAt)}\n".utf8) + event.body
    }

    static func decode(_ bytes: [UInt8]) -> WebhookEvent? {
        guard let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        let header = String(decoding: bytes[..<newline], as: UTF8.self)
        func field(_ name: String) -> String? {
            guard let range = header.range(of: "\"\(name)\":") else { return nil }
            let rest = header[range.upperBound...].drop { $0 == "\"" }
            return String(rest.prefix { $0 != "\"" && $0 != "," && $0 != "}" })
        }
        guard let id = field("id"), id.hasPrefix("msg_"), let type = field("type"),
              let created = field("created_at").flatMap({ Int64($0) }) else { return nil }
        return WebhookEvent(id: id, type: type, createdAt: created, body: Array(bytes[(newline + 1)...]))
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    /// Writes `bytes` to `directory/name` so that it survives a power cut once this returns nil:
    /// a temporary file, fsync, rename, fsync of the directory (the rename is in the directory).
    private static func writeDurably(_ bytes: [UInt8], directory: String, name: String) -> String? {
        let temporary = directory + "/" + name + ".tmp"
        let fd = open(temporary, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return "open: \(String(cString: strerror(errno)))" }
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, bytes.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                let cause = String(cString: strerror(errno))
                close(fd)
                unlink(temporary)
                return "write: \(cause)"
            }
            offset += n
        }
        if fsync(fd) != 0 {
            let cause = String(cString: strerror(errno))
            close(fd)
            unlink(temporary)
            return "fsync: \(cause)"
        }
        close(fd)
        guard rename(temporary, directory + "/" + name) == 0 else {
            let cause = String(cString: strerror(errno))
            unlink(temporary)
            return "rename: \(cause)"
        }
        syncDirectory(directory)
        return nil
    }

    private static func syncDirectory(_ directory: String) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }
}

@available(*, unavailable)
extension EventSpool: Sendable {}
