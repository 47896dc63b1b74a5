import Realtime

extension CallToolRunner.Event {
    /// What the runner needs of a Realtime server event (PROTOCOLS.md §2); nil for the rest.
    init?(_ event: RealtimeServerEvent) {
        switch event {
        case .responseCreated:
            self = .responseStarted
        case .audioDelta:
            self = .assistantAudio
        case .outputItemAdded(let item):
            guard item["type"]?.stringValue == "function_call", let id = item["id"]?.stringValue,
                  let name = item["name"]?.stringValue else { return nil }
            self = .functionCallNamed(itemId: id, name: name)
        case .functionCallArgumentsDone(let itemId, let callId, let arguments):
            self = .functionCallArguments(itemId: itemId, callId: callId, arguments: arguments)
        case .outputItemDone(let item):
            guard item["type"]?.stringValue == "function_call" else { return nil }
            self = .functionCall(itemId: item["id"]?.stringValue, callId: item["call_id"]?.stringValue,
                                 name: item["name"]?.stringValue, arguments: item["arguments"]?.stringValue ?? "")
        case .responseDone:
            self = .responseDone
        case .error(_, let code, let message, _, let eventId):
            self = .error(code: code, message: message, eventId: eventId)
        default:
            return nil
        }
    }
}
