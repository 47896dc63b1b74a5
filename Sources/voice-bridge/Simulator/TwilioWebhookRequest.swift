import HTTP
import Net
import Twilio

/// Fetches the voice webhook (`POST /incoming-call`) as Twilio does when a call comes in, so a
/// simulated call exercises the same path as a real one (including the provider pre-warm).
public final class TwilioWebhookRequest: ConnectionDelegate {
    /// The webhook's answer: HTTP status and the TwiML body.
    public struct Answer {
        /// HTTP status.
        public var status: Int
        /// The body (TwiML).
        public var body: String
    }

    private let request: [UInt8]
    private var parser = HTTPResponseParser()
    private var head: HTTPResponseHead?
    private var completion: ((Result<Answer, NetError>) -> Void)?
    private var connection: Connection?

    /// Prepares `POST path` to `host:port` with Twilio's form fields for an inbound call.
    /// With `signature`, the request carries `X-Twilio-Signature` made with that Auth Token over
    /// that URL (the one the bridge believes Twilio called) and the form fields.
    public init(host: String, port: Int, path: String = "/incoming-call", callSid: String, from: String, to: String,
                signature: (authToken: String, url: String)? = nil) {
        let fields = [("AccountSid", "AC" + String(repeating: "0", count: 32)), ("ApiVersion", "2010-04-01"),
                      ("CallSid", callSid), ("CallStatus", "ringing"), ("Direction", "inbound"),
                      ("From", from), ("To", to)]
        let form = HTTPForm.encode(fields)
        var signatureLine = ""
        if let signature {
            let value = TwilioSignature.compute(url: signature.url, params: fields, authToken: signature.authToken)
            signatureLine = "X-Twilio-Signature: \(value)\r\n"
        }
        let text = "POST \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nUser-Agent: TwilioProxy/1.1\r\n" + signatureLine
            + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: \(form.utf8.count)\r\n"
            + "Connection: close\r\n\r\n" + form
        request = Array(text.utf8)
        self.host = host
        self.port = port
    }

    private let host: String
    private let port: Int

    /// Sends the request on `loop`; `completion` runs there with the answer or the failure.
    public func send(on loop: EventLoop, completion: @escaping (Result<Answer, NetError>) -> Void) {
        self.completion = completion
        connection = Connection.connect(host: host, port: port, tls: nil, loop: loop, timeoutMs: 5_000, delegate: self)
    }

    public func connectionDidOpen(_ connection: Connection) { connection.write(request) }

    public func connection(_ connection: Connection, didRead bytes: UnsafeRawBufferPointer) {
        parser.append(bytes)
        do {
            if head == nil { head = try parser.nextHead() }
            if let head, let body = try parser.nextBody() {
                finish(.success(Answer(status: head.status, body: String(decoding: body, as: UTF8.self))))
                connection.close()
            }
        } catch {
            finish(.failure(NetError("webhook answer is not valid HTTP: \(error)")))
            connection.close()
        }
    }

    public func connection(_ connection: Connection, didCloseWith error: NetError?) {
        if let head {
            finish(.success(Answer(status: head.status, body: String(decoding: parser.finish(), as: UTF8.self))))
        } else {
            finish(.failure(error ?? NetError("the webhook closed the connection without answering")))
        }
    }

    private func finish(_ result: Result<Answer, NetError>) {
        guard let completion else { return }
        self.completion = nil
        completion(result)
    }
}
