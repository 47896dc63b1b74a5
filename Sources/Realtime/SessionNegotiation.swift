import JSON

/// Configures one provider session so that an option the service refuses costs at most that
/// option, never the call's audio.
///
/// When a `session.update` is refused, none of it applies: the session keeps its defaults (PCM16
/// audio, no instructions, no tools), so μ-law would be heard as noise both ways. So the bridge
/// holds the greeting and the caller's audio until `session.updated` confirms the update, and
/// when the provider refuses a field (`unknown_parameter` or `invalid_value` with a `param` such
/// as `session.input_audio_noise_reduction`), it sends the update again without that field. After
/// `maxFieldRetries` such retries it sends the minimal update (audio formats, instructions, turn
/// detection); when even that is refused, or the refused field is an audio format, the target
/// cannot carry the call and it fails over.
///
/// A state machine that returns actions (like `WSStateMachine`): the caller sends, waits and
/// fails over; this type only decides. The refusals it learns are kept per target
/// (`SessionFieldMemory`), so later calls skip those fields without a round trip.
public struct SessionNegotiation: Sendable {
    /// What to do next.
    public enum Action: Equatable, Sendable {
        /// Send this `session.update` (JSON text) and wait; `retry` says why it is sent again.
        case send(String, retry: Retry?)
        /// The provider confirmed the update: release the greeting and the caller's audio.
        /// `refused` lists the fields left out on the way (paths such as `audio.input.noise_reduction`).
        case confirmed(refused: [String])
        /// The target cannot carry the call's audio: fail over; `reason` says why.
        case failOver(reason: String)
    }

    /// Why an update is sent again.
    public enum Retry: Equatable, Sendable {
        /// Without the field the provider refused (a dotted path).
        case withoutField(String)
        /// As the minimal update.
        case minimal
    }

    /// Retries without one refused field before falling back to the minimal update.
    public static let maxFieldRetries = 3

    /// The update's fields that must never be dropped: without them μ-law is heard as noise.
    static func isEssential(_ path: [String], dialect: RealtimeDialect) -> Bool {
        switch dialect {
        case .ga:
            return path == ["type"] || (path.count >= 3 && path[0] == "audio" && path[2] == "format")
                || path == ["audio"] || path == ["audio", "input"] || path == ["audio", "output"]
        case .beta:
            return path == ["input_audio_format"] || path == ["output_audio_format"]
        }
    }

    private let dialect: RealtimeDialect
    private var session: JSONObject
    private let eventIdPrefix: String
    private var attempt = 0
    private var fieldRetries = 0
    private var sentMinimal = false
    /// The `event_id` of the update in flight; nil once decided.
    public private(set) var pendingEventId: String?
    /// Fields left out so far (the remembered ones included), as dotted paths.
    public private(set) var refused: [String] = []
    /// Whether the provider confirmed an update.
    public private(set) var isConfirmed = false

    /// A negotiation of `session` (the object `RealtimeClientEvent.session` makes) in `dialect`,
    /// leaving out at once the fields in `skipping` (refused before by this target).
    /// `eventIdPrefix` names this session's updates (`event_id`) so errors can be matched.
    public init(session: JSONObject, dialect: RealtimeDialect, skipping: Set<String> = [], eventIdPrefix: String = "vb_session") {
        self.dialect = dialect
        self.eventIdPrefix = eventIdPrefix
        self.session = session
        for field in skipping.sorted() {
            let path = Self.path(field)
            guard !Self.isEssential(path, dialect: dialect), Self.remove(path, from: &self.session) else { continue }
            refused.append(field)
        }
    }

    /// The first update to send.
    public mutating func start() -> Action {
        send(nil)
    }

    /// Feeds one provider event; nil when it is not about this negotiation.
    public mutating func received(_ event: RealtimeServerEvent) -> Action? {
        guard let pending = pendingEventId else { return nil }
        switch event {
        case .sessionUpdated:
            pendingEventId = nil
            isConfirmed = true
            return .confirmed(refused: refused)
        case .error(_, let code, let message, let param, let eventId):
            // Ours when it names our update, or when it names a session field before any
            // confirmation (some services leave `event_id` out).
            let namesUs = eventId == pending
            let aboutSession = (param ?? "").hasPrefix("session")
            guard namesUs || (eventId == nil && aboutSession) else { return nil }
            return refusedUpdate(code: code, message: message, param: param)
        default:
            return nil
        }
    }

    private mutating func refusedUpdate(code: String?, message: String, param: String?) -> Action {
        let field = param.map { Self.field(fromParam: $0) } ?? ""
        let path = Self.path(field)
        if !field.isEmpty, Self.isEssential(path, dialect: dialect) {
            pendingEventId = nil
            return .failOver(reason: "the provider refused the audio format (\(Self.clip(field)): \(code ?? "error")): \(Self.clip(message))")
        }
        if sentMinimal {
            pendingEventId = nil
            return .failOver(reason: "the provider refused even the minimal session.update (\(code ?? "error")): \(Self.clip(message))")
        }
        let droppable = code == "unknown_parameter" || code == "invalid_value" || code == "invalid_type"
        if droppable, !field.isEmpty, fieldRetries < Self.maxFieldRetries, Self.remove(path, from: &session) {
            fieldRetries += 1
            refused.append(field)
            return send(.withoutField(field))
        }
        // Not a field we sent, no field named, or too many refusals: the minimal update.
        if !field.isEmpty && droppable && !refused.contains(field) { refused.append(field) }
        session = minimal(session)
        sentMinimal = true
        return send(.minimal)
    }

    private mutating func send(_ retry: Retry?) -> Action {
        attempt += 1
        let id = "\(eventIdPrefix)_\(attempt)"
        pendingEventId = id
        return .send(JSON.object(["type": "session.update", "event_id": .string(id), "session": .object(session)]).serialized(),
                     retry: retry)
    }

    /// Only what the call cannot do without: the audio formats, the instructions and the kind of
    /// turn detection (its type alone).
    private func minimal(_ full: JSONObject) -> JSONObject {
        func typeOnly(_ detection: JSON?) -> JSON? {
            guard let type = detection?["type"] else { return detection.flatMap { $0.isNull ? $0 : nil } }
            return .object(["type": type])
        }
        var out = JSONObject()
        switch dialect {
        case .ga:
            if let type = full["type"] { out["type"] = type }
            if let instructions = full["instructions"] { out["instructions"] = instructions }
            var input = JSONObject(), output = JSONObject()
            if let format = full["audio"]?["input"]?["format"] { input["format"] = format }
            if let detection = typeOnly(full["audio"]?["input"]?["turn_detection"]) { input["turn_detection"] = detection }
            if let format = full["audio"]?["output"]?["format"] { output["format"] = format }
            out["audio"] = ["input": .object(input), "output": .object(output)]
        case .beta:
            for key in ["instructions", "input_audio_format", "output_audio_format"] {
                if let value = full[key] { out[key] = value }
            }
            if let detection = typeOnly(full["turn_detection"]) { out["turn_detection"] = detection }
        }
        return out
    }

    // MARK: Field paths

    /// `session.audio.input.noise_reduction` → `audio.input.noise_reduction`;
    /// `session.tools[2].meta` → `tools`: a field inside an array element drops the array
    /// (the update is then sent without tools rather than with a half-edited one).
    static func field(fromParam param: String) -> String {
        var rest = Substring(param)
        if rest.hasPrefix("session.") { rest = rest.dropFirst("session.".count) } else if rest == "session" { return "" }
        if let bracket = rest.firstIndex(of: "[") { rest = rest[..<bracket] }
        return String(rest)
    }

    static func path(_ field: String) -> [String] {
        field.split(separator: ".").map(String.init)
    }

    /// Removes the member at `path`; false when there is none.
    static func remove(_ path: [String], from object: inout JSONObject) -> Bool {
        guard let first = path.first else { return false }
        guard path.count > 1 else {
            guard object[first] != nil else { return false }
            object[first] = nil
            return true
        }
        guard var child = object[first]?.objectValue, remove(Array(path.dropFirst()), from: &child) else { return false }
        object[first] = .object(child)
        return true
    }

    private static func clip(_ text: String) -> String {
        text.utf8.count <= 200 ? text : String(text.prefix(200)) + "…"
    }
}

/// The optional `session.update` fields each provider target refused, so later sessions on it
/// leave them out without a round trip. Loop-confined, shared by the calls of one loop.
public final class SessionFieldMemory {
    private var refused: [String: Set<String>] = [:]

    /// An empty memory.
    public init() {}

    /// The fields `target` refused.
    public func refused(by target: String) -> Set<String> { refused[target] ?? [] }

    /// Records `fields` as refused by `target`; returns those not known before.
    @discardableResult
    public func record(_ fields: [String], for target: String) -> [String] {
        var known = refused[target] ?? []
        let new = fields.filter { known.insert($0).inserted }
        refused[target] = known
        return new
    }
}

@available(*, unavailable)
extension SessionFieldMemory: Sendable {}
