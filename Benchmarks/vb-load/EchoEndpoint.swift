import HTTP
import Net
import Twilio
import WebSocket

/// The floor's far end: a Media Stream endpoint with no bridge behind it, which answers each
/// caller `media` at once with the same audio as a bridge would send it back (`media` then
/// `mark`). The same caller code against it measures what the load side alone adds to a round
/// trip, and how many calls it can drive.
final class EchoEndpoint {
    private var server: HTTPServer?
    private var sessions: [ObjectIdentifier: EchoSession] = [:]
    /// The bound port.
    var port: Int { server?.port ?? 0 }

    /// Listens on 127.0.0.1, any free port, at `/media-stream`.
    init(loop: EventLoop) throws {
        server = try HTTPServer(host: "127.0.0.1", port: 0, loop: loop) { [weak self] request, _ in
            guard request.head.path == "/media-stream" else { return .response(.text(404, "not found\n")) }
            return WSServerUpgrade.reply(to: request) { socket in
                guard let self else { return }
                let session = EchoSession(socket: socket) { [weak self] s in self?.sessions[ObjectIdentifier(s)] = nil }
                self.sessions[ObjectIdentifier(session)] = session
                socket.delegate = session
            }
        }
    }
}

/// One stream at the echo endpoint.
final class EchoSession: WSConnectionDelegate {
    private let socket: WSConnection
    private let onEnd: (EchoSession) -> Void
    private var streamSid: [UInt8] = []
    private var output: [UInt8] = []
    private var sentMs = 0

    init(socket: WSConnection, onEnd: @escaping (EchoSession) -> Void) {
        self.socket = socket
        self.onEnd = onEnd
    }

    func webSocketDidOpen(_ socket: WSConnection) {}

    func webSocket(_ socket: WSConnection, didReceiveText text: UnsafeRawBufferPointer) {
        if ByteText.hasPrefix(text, #"{"event":"media","#) {
            guard let start = ByteText.indexAfter(#""payload":""#, in: text),
                  let end = ByteText.closingQuote(in: text, from: start) else { return }
            output.removeAll(keepingCapacity: true)
            ByteText.append(#"{"event":"media","streamSid":""#, to: &output)
            output.append(contentsOf: streamSid)
            ByteText.append(#"","media":{"payload":""#, to: &output)
            output.append(contentsOf: UnsafeRawBufferPointer(rebasing: text[start..<end]))
            ByteText.append(#""}}"#, to: &output)
            output.withUnsafeBytes { socket.sendText(utf8: $0) }
            sentMs += (end - start) / 4 * 3 / 8
            output.removeAll(keepingCapacity: true)
            ByteText.append(#"{"event":"mark","streamSid":""#, to: &output)
            output.append(contentsOf: streamSid)
            ByteText.append(#"","mark":{"name":"item_echo:"#, to: &output)
            ByteText.appendDecimal(sentMs, to: &output)
            ByteText.append(#""}}"#, to: &output)
            output.withUnsafeBytes { socket.sendText(utf8: $0) }
            return
        }
        if ByteText.hasPrefix(text, #"{"event":"mark","#) { return }  // the caller's echo of our mark
        switch try? TwilioInboundEvent.decode(text) {
        case .start(let start, _)?:
            streamSid = Array(start.streamSid.utf8)
        case .stop?:
            socket.close(code: 1000, reason: "")
        default:
            break
        }
    }

    func webSocket(_ socket: WSConnection, didReceiveBinary data: UnsafeRawBufferPointer) {}

    func webSocket(_ socket: WSConnection, didCloseWith reason: WSCloseReason) { onEnd(self) }
}
