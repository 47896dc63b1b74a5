import Base64
import HTTP

/// The TwiML and URLs of a transfer to a person (`transfer_call`): the live call is redirected
/// to `<Dial answerOnBridge>` with the person's number (or SIP URI); a whisper URL tells the
/// person who is calling before the caller is connected, and the `action` URL hears how the
/// dial ended. Both URLs carry their values in the query, signed with the stream-token key, so
/// any replica can answer them and nobody can make the bridge say something else.
public struct TransferTwiML: Sendable {
    public let publicHost: String
    public let scheme: String
    let tokens: StreamToken

    public init(publicHost: String, secure: Bool = true, tokens: StreamToken) {
        self.publicHost = publicHost
        self.scheme = secure ? "https" : "http"
        self.tokens = tokens
    }

    /// The redirect's TwiML: dial `to` for `timeoutSeconds`; with `whisper`, the person first
    /// hears `summary`.
    public func dial(callSid: String, agent: String, target: String, to: String, summary: String, whisper: Bool,
                     timeoutSeconds: Int) -> String {
        let action = signedURL("/transfer-result", [("call", callSid), ("agent", agent), ("target", target)])
        let whisperURL = whisper ? signedURL("/whisper", [("target", target), ("summary", summary)]) : nil
        let urlAttribute = whisperURL.map { " url=\"\(TwiML.escaped($0))\"" } ?? ""
        let endpoint = to.hasPrefix("sip:") ? "<Sip\(urlAttribute)>\(TwiML.escaped(to))</Sip>"
                                            : "<Number\(urlAttribute)>\(TwiML.escaped(to))</Number>"
        return TwiML.declaration + "<Response><Dial answerOnBridge=\"true\" timeout=\"\(timeoutSeconds)\" action=\"\(TwiML.escaped(action))\">"
            + endpoint + "</Dial></Response>"
    }

    /// `https://HOST/path?name=value&…&sig=MAC`.
    func signedURL(_ path: String, _ values: [(String, String)]) -> String {
        "\(scheme)://\(publicHost)\(path)?" + HTTPForm.encode(values + [("sig", signature(path, values))])
    }

    /// The values of a signed URL's query when its signature holds; nil otherwise.
    public func verified(path: String, query: [(String, String)]) -> [String: String]? {
        guard let sig = query.last(where: { $0.0 == "sig" })?.1 else { return nil }
        let values = query.filter { $0.0 != "sig" }
        guard TwilioSignature.constantTimeEqual(Array(signature(path, values).utf8), Array(sig.utf8)) else { return nil }
        return Dictionary(values, uniquingKeysWith: { _, last in last })
    }

    private func signature(_ path: String, _ values: [(String, String)]) -> String {
        var message = Array("transfer v1".utf8)
        for part in [path] + values.flatMap({ [$0.0, $0.1] }) {
            message += Array(String(part.utf8.count).utf8) + [UInt8(ascii: ":")] + Array(part.utf8)
        }
        return Base64.encodeURL(TwilioSignature.hmac(key: tokens.key, message: message, algorithm: .hmacSHA256))
    }

    /// What the person hears before the caller is connected.
    public static func whisper(target: String, summary: String) -> String {
        TwiML.say("A call transferred by the assistant. " + summary + " Connecting you now.", hangUp: false)
    }
}
