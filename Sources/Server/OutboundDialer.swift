import HTTPClient
import Calls
import Tools
import Twilio
#if canImport(Glibc)
import Glibc
#endif

/// Places outbound calls whose TwiML connects the Media Stream exactly like an inbound call's,
/// carrying the per-call override, and asks Twilio to report their progress to `/call-status`.
/// Used by `voice-bridge call` and `POST /calls`. Confined to the client's loop.
public final class OutboundDialer {
    /// A request that cannot be placed as given (nothing was sent to Twilio).
    public struct RequestError: Error, Equatable, CustomStringConvertible {
        /// What is wrong and what to do.
        public let description: String
    }

    private let client: TwilioCallsClient
    private let defaultFrom: String?
    private let streamURL: String
    private let statusCallbackURL: String?
    private let records: OutboundCallRecords?
    private let streamTokens: StreamToken?

    /// A dialer. `publicHost` is `PUBLIC_URL`'s host (Twilio reaches the stream and the status
    /// callback there); `publicScheme` its written scheme, if any. `records` keeps overrides
    /// too long for inline TwiML (the daemon has one; the `call` command does not).
    public init(client: TwilioCallsClient, defaultFrom: String?, publicHost: String, publicScheme: String?,
                records: OutboundCallRecords?, streamTokens: StreamToken? = nil) {
        self.streamTokens = streamTokens
        self.client = client
        self.defaultFrom = defaultFrom
        self.streamURL = "wss://\(publicHost)/media-stream"
        let scheme = publicScheme == "http" || publicScheme == "ws" ? "http" : "https"
        self.statusCallbackURL = "\(scheme)://\(publicHost)/call-status"
        self.records = records
    }

    /// The TwiML for a call to `to` with `override`: instructions and greeting as inline
    /// parameters when they fit in Twilio's 4000 characters, else only in a record. A call with
    /// metadata always has a record (metadata never goes to Twilio), whose token the TwiML
    /// carries as `outbound` beside the inline parameters when they fit. Records need a dialer
    /// that keeps them.
    public func twiml(to: String, override: CallOverride) throws -> String {
        let base: [(String, String)] = [("Direction", "outbound"), ("To", to)]
        let inline = connectStream(base + override.parameters)
        let fits = inline.count <= TwilioCallsClient.twimlLengthLimit
        if fits && override.metadata.isEmpty { return inline }
        guard let records else {
            throw RequestError(description: fits
                ? "metadata is kept server-side, which this command cannot do — place the call with POST /calls on the running bridge"
                : "the instructions and greeting are too long to travel with the call (\(inline.count) characters of TwiML; Twilio's limit is \(TwilioCallsClient.twimlLengthLimit)) — shorten them, or place the call with POST /calls on the running bridge, which keeps them server-side")
        }
        let token = ("outbound", records.store(override))
        let both = connectStream(base + override.parameters + [token])
        if both.count <= TwilioCallsClient.twimlLengthLimit { return both }
        return connectStream(base + [token])
    }

    /// The stream TwiML with `parameters` and, when tokens are made, a single-use stream token over them.
    private func connectStream(_ parameters: [(String, String)]) -> String {
        let signed = streamTokens?.signed(parameters, callSid: nil, now: Int64(time(nil))) ?? parameters
        return TwiML.connectStream(url: streamURL, parameters: signed)
    }

    /// Places a call; `completion` gets the Call SID or Twilio's error. Throws `RequestError`
    /// without contacting Twilio when the request is incomplete, or when `to` or `from` (or
    /// TWILIO_PHONE_NUMBER in its place) is not a form Twilio's Calls API accepts.
    @discardableResult
    public func place(to: String, from: String?, override: CallOverride,
                      completion: @escaping (Result<String, TwilioAPIError>) -> Void) throws -> HTTPClientTask {
        let to = to.trimmed(of: [" ", "\t"])
        guard !to.isEmpty else { throw RequestError(description: "no number to call: give `to` in E.164, e.g. +46701234567") }
        if let refusal = OutboundCallFields.Address.refusal(to, field: "`to`", allowsSIP: true) {
            throw RequestError(description: refusal)
        }
        let fromField = from == nil ? "TWILIO_PHONE_NUMBER" : "`from`"
        guard let from = (from ?? defaultFrom).map({ $0.trimmed(of: [" ", "\t"]) }), !from.isEmpty else {
            throw RequestError(description: "no number to call from: pass `from`, or set TWILIO_PHONE_NUMBER to a Twilio number of the account")
        }
        if let refusal = OutboundCallFields.Address.refusal(from, field: fromField, allowsSIP: false) {
            throw RequestError(description: refusal)
        }
        let request = TwilioCallsClient.CallRequest(to: to, from: from, twiml: try twiml(to: to, override: override),
                                                    statusCallback: statusCallbackURL)
        return client.create(request, completion: completion)
    }
}

@available(*, unavailable)
extension OutboundDialer: Sendable {}
