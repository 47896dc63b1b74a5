import Events
import Foundation
import Testing

/// One file per event: written durably, read back oldest first with the exact body, removed after delivery.
@Suite struct EventSpoolTests {
    static func temporaryDirectory() -> String {
        NSTemporaryDirectory() + "event-spool-" + UUID().uuidString + "/nested"
    }

    static func loaded(_ spool: EventSpool) -> [EventSpool.Entry] {
        let box = Box()
        spool.load { box.entries = $0 }
        spool.sync()
        return box.entries
    }

    final class Box: @unchecked Sendable {
        // Written on the spool's queue, read after `sync()`: never at the same time.
        var entries: [EventSpool.Entry] = []
    }

    static func event(_ n: Int) -> WebhookEvent {
        WebhookEvent(id: "msg_" + String(repeating: String(n), count: 32), type: n % 2 == 0 ? "call.ended" : "call.started",
                     createdAt: 1_700_000_000 + Int64(n), body: Array("{\"n\":\(n),\"text\":\"é\\n\"}\n".utf8))
    }

    @Test func spool_createsItsDirectory_andReadsEventsBackOldestFirst_withTheirExactBody() {
        let dir = Self.temporaryDirectory()
        let spool = EventSpool(directory: dir) { Issue.record("\($0)") }
        // Written out of wall-clock order on purpose: the name's time decides.
        spool.write(Self.event(2), nowMs: 1_700_000_000_500)
        spool.write(Self.event(1), nowMs: 1_700_000_000_100)
        spool.write(Self.event(3), nowMs: 1_700_000_000_500)
        let entries = Self.loaded(spool)
        #expect(entries.map(\.event) == [Self.event(1), Self.event(2), Self.event(3)])
        #expect(entries.allSatisfy { $0.fileName.hasSuffix($0.event.id + ".event") })
        #expect(entries[0].fileName.hasPrefix("001700000000100-"))
    }

    @Test func remove_deletesOnlyThatEvent_andTheRestSurvivesANewSpool() {
        let dir = Self.temporaryDirectory()
        let spool = EventSpool(directory: dir) { Issue.record("\($0)") }
        let names = (1...3).map { spool.write(Self.event($0), nowMs: 1_000 + Int64($0)) }
        spool.remove(fileName: names[1])
        spool.sync()
        let reopened = EventSpool(directory: dir) { Issue.record("\($0)") }
        #expect(Self.loaded(reopened).map(\.event.id) == [Self.event(1).id, Self.event(3).id])
        #expect((try? FileManager.default.contentsOfDirectory(atPath: dir))?.count == 2)
    }

    @Test func load_removesHalfWrittenFiles_andReportsUnreadableOnes() throws {
        let dir = Self.temporaryDirectory()
        let spool = EventSpool(directory: dir) { _ in }
        spool.write(Self.event(4), nowMs: 5)
        spool.sync()
        try Data("partial".utf8).write(to: URL(fileURLWithPath: dir + "/000000000000009-000001-msg_x.event.tmp"))
        try Data("no header line".utf8).write(to: URL(fileURLWithPath: dir + "/000000000000001-000001-msg_y.event"))
        let errors = ErrorBox()
        let reader = EventSpool(directory: dir) { errors.append($0) }
        #expect(Self.loaded(reader).map(\.event) == [Self.event(4)])
        #expect(errors.messages.count == 1 && errors.messages[0].contains("msg_y.event"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/000000000000009-000001-msg_x.event.tmp"))
    }

    final class ErrorBox: @unchecked Sendable {
        // Appended on the spool's queue only; read after `sync()`.
        var messages: [String] = []
        func append(_ message: String) { messages.append(message) }
    }
}
