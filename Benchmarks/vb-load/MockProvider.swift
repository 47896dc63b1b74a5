import HTTP
import JSON
import Net
import WebSocket

/// A stand-in for the OpenAI Realtime API over **wss**, as cheap as it can be: it answers
/// `session.update` with `session.updated`, and then by its shape:
/// - `echo`: every `input_audio_buffer.append` at once as one `response.output_audio.delta`
///   carrying the same base64 audio, in the shape OpenAI sends (event_id, response_id, item_id,
///   output_index, content_index, delta);
/// - `talk`: appends are counted, and the session listens and speaks in turns (`MockTalkTurns`).
final class MockProvider {
    private var server: HTTPServer?
    private var sessions: [ObjectIdentifier: MockProviderSession] = [:]
    private var nextId = 1
    /// The bound port.
    var port: Int { server?.port ?? 0 }
    /// Sessions opened, audio chunks echoed, and other client events seen.
    private(set) var sessionsOpened = 0
    var appendsEchoed = 0
    var otherEvents = 0
    /// μ-law bytes received in appends, and sent in deltas (talk).
    var audioBytesReceived = 0
    var audioBytesSent = 0
    /// Responses spoken (talk).
    var turnsSpoken = 0
    /// Once set, talking sessions send nothing more (the load tool is about to hang up).
    private(set) var quiet = false
    let shape: LoadOptions.Shape
    let seed: UInt64
    /// Talk: the shortest turn, in milliseconds (`MockTalkTurns`).
    let turnMs: Int
    let loop: EventLoop

    /// Listens on 127.0.0.1:`port` with TLS from `tls`; the Realtime path is `/v1/realtime`.
    init(port: Int, tls: TLSContext, loop: EventLoop, shape: LoadOptions.Shape = .echo, seed: UInt64 = 1,
         turnMs: Int = 2_000) throws {
        self.shape = shape
        self.turnMs = turnMs
        self.seed = seed
        self.loop = loop
        server = try HTTPServer(host: "127.0.0.1", port: port, loop: loop, tls: tls) { [weak self] request, _ in
            guard request.head.path == "/v1/realtime" else { return .response(.text(404, "not found\n")) }
            guard request.head.headers["Authorization"] == "Bearer bench" else {
                return .response(.text(401, "the bench mock expects OPENAI_API_KEY=bench\n"))
            }
            return WSServerUpgrade.reply(to: request) { socket in self?.adopt(socket) }
        }
    }

    private func adopt(_ socket: WSConnection) {
        let session = MockProviderSession(id: nextId, socket: socket, provider: self)
        nextId += 1
        sessionsOpened += 1
        sessions[ObjectIdentifier(session)] = session
        socket.delegate = session
        session.start()
    }

    func ended(_ session: MockProviderSession) {
        sessions[ObjectIdentifier(session)] = nil
    }

    /// Stops every talking session from sending more audio.
    func fallQuiet() { quiet = true }
}

/// One provider session of the mock.
final class MockProviderSession: WSConnectionDelegate {
    private let id: Int
    private let socket: WSConnection
    private unowned let provider: MockProvider
    private var eventNumber = 0
    private var output: [UInt8] = []
    private let deltaIds: [UInt8]
    private var talk: MockTalkTurns?

    init(id: Int, socket: WSConnection, provider: MockProvider) {
        self.id = id
        self.socket = socket
        self.provider = provider
        deltaIds = Array(#"","response_id":"resp_bench\#(id)","item_id":"item_bench\#(id)","output_index":0,"content_index":0,"delta":""#.utf8)
    }

    func start() {
        eventNumber += 1
        socket.sendText(#"{"type":"session.created","event_id":"event_\#(eventNumber)","session":{"type":"realtime","object":"realtime.session","id":"sess_bench\#(id)","model":"gpt-realtime"}}"#)
    }

    func webSocketDidOpen(_ socket: WSConnection) {}

    func webSocket(_ socket: WSConnection, didReceiveText text: UnsafeRawBufferPointer) {
        let prefix: StaticString = #"{"type":"input_audio_buffer.append","audio":""#
        if ByteText.hasPrefix(text, prefix), text.count >= prefix.utf8CodeUnitCount + 2,
           text[text.count - 2] == UInt8(ascii: "\""), text[text.count - 1] == UInt8(ascii: "}") {
            appended(UnsafeRawBufferPointer(rebasing: text[prefix.utf8CodeUnitCount..<(text.count - 2)]))
            return
        }
        guard let event = try? JSON.parse(text), let type = event["type"]?.stringValue else {
            provider.otherEvents += 1
            return
        }
        switch type {
        case "input_audio_buffer.append":
            // Same event with other key order or spacing: still echo it.
            guard let audio = event["audio"]?.stringValue else { provider.otherEvents += 1; return }
            var a = audio
            a.withUTF8 { appended(UnsafeRawBufferPointer($0)) }
        case "session.update":
            eventNumber += 1
            let reply: JSON = .object(JSONObject([("type", "session.updated"), ("event_id", .string("event_\(eventNumber)")),
                                                  ("session", event["session"] ?? .null)]))
            socket.sendText(reply.serialized())
            if provider.shape == .talk && talk == nil {
                let turns = MockTalkTurns(session: id, seed: provider.seed, turnMs: provider.turnMs, socket: socket, provider: provider)
                talk = turns
                turns.start()
            }
        default:
            provider.otherEvents += 1
        }
    }

    private func appended(_ audio: UnsafeRawBufferPointer) {
        provider.audioBytesReceived += ByteText.base64DecodedCount(audio)
        if provider.shape == .echo { echo(audio) }
    }

    private func echo(_ audio: UnsafeRawBufferPointer) {
        eventNumber += 1
        output.removeAll(keepingCapacity: true)
        ByteText.append(#"{"type":"response.output_audio.delta","event_id":"event_"#, to: &output)
        ByteText.appendDecimal(eventNumber, to: &output)
        output.append(contentsOf: deltaIds)
        output.append(contentsOf: audio)
        ByteText.append(#""}"#, to: &output)
        output.withUnsafeBytes { socket.sendText(utf8: $0) }
        provider.appendsEchoed += 1
    }

    func webSocket(_ socket: WSConnection, didReceiveBinary data: UnsafeRawBufferPointer) {
        provider.otherEvents += 1
    }

    func webSocket(_ socket: WSConnection, didCloseWith reason: WSCloseReason) {
        talk?.stop()
        talk = nil
        provider.ended(self)
    }
}
