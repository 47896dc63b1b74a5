import HTTPClient
import HTTP
import JSON

/// Places calls through Twilio's REST API (`POST …/Accounts/{AccountSid}/Calls.json`,
/// form-encoded, HTTP Basic) over `HTTPClient`, on the client's loop. No retries: a person or a
/// program is waiting for the answer.
public final class TwilioCallsClient {
    /// Where and how to reach the API.
    public struct Configuration: Sendable {
        /// The account's Calls resource URL (`OutboundSettings.callsURL`).
        public var callsURL: String
        /// The `Authorization: Basic …` value (`OutboundSettings.basicAuthorization`).
        public var authorization: String
        /// Deadline for the whole request.
        public var timeoutMs: Int

        /// Creates a configuration.
        public init(callsURL: String, authorization: String, timeoutMs: Int = 15_000) {
            self.callsURL = callsURL
            self.authorization = authorization
            self.timeoutMs = timeoutMs
        }
    }

    /// One call to place.
    public struct CallRequest: Sendable, Equatable {
        /// The number to call (E.164), a SIP URI or a client identifier, as Twilio accepts.
        public var to: String
        /// The caller ID: a Twilio number of the account.
        public var from: String
        /// The TwiML run when the call is answered (Twilio's limit: 4000 characters).
        public var twiml: String
        /// Where Twilio posts status changes, or nil for none.
        public var statusCallback: String?

        /// Creates a request.
        public init(to: String, from: String, twiml: String, statusCallback: String?) {
            self.to = to
            self.from = from
            self.twiml = twiml
            self.statusCallback = statusCallback
        }
    }

    /// Twilio's limit on the `Twiml` parameter of a call, in characters.
    public static let twimlLengthLimit = 4000
    /// The status changes the bridge asks Twilio to report (busy, no-answer, failed and
    /// canceled come with `completed`).
    public static let statusCallbackEvents = ["initiated", "ringing", "answered", "completed"]

    private let http: HTTPClient
    private let configuration: Configuration

    /// Creates a client over `http`.
    public init(http: HTTPClient, configuration: Configuration) {
        self.http = http
        self.configuration = configuration
    }

    /// The form fields of `call`, in the order they are sent.
    public static func formFields(_ call: CallRequest) -> [(String, String)] {
        var fields = [("To", call.to), ("From", call.from), ("Twiml", call.twiml)]
        if let callback = call.statusCallback {
            fields.append(("StatusCallback", callback))
            fields.append(("StatusCallbackMethod", "POST"))
            for event in statusCallbackEvents { fields.append(("StatusCallbackEvent", event)) }
        }
        return fields
    }

    /// Places `call`; `completion` gets the new Call SID (`CA…`) or Twilio's error, on the loop.
    @discardableResult
    public func create(_ call: CallRequest, completion: @escaping (Result<String, TwilioAPIError>) -> Void) -> HTTPClientTask {
        post(url: configuration.callsURL, fields: Self.formFields(call), completion: completion)
    }

    /// Redirects the live call `callSid` to `twiml` (`POST …/Calls/{CallSid}.json` with
    /// `Twiml`): its Media Stream ends and Twilio runs the new TwiML. `completion` gets the SID
    /// back, or Twilio's error (21220: the call is no longer in progress).
    @discardableResult
    public func redirect(callSid: String, twiml: String, completion: @escaping (Result<String, TwilioAPIError>) -> Void) -> HTTPClientTask {
        let base = configuration.callsURL.hasSuffix(".json") ? String(configuration.callsURL.dropLast(".json".count)) : configuration.callsURL
        return post(url: base + "/" + callSid + ".json", fields: [("Twiml", twiml)], completion: completion)
    }

    private func post(url: String, fields: [(String, String)], completion: @escaping (Result<String, TwilioAPIError>) -> Void) -> HTTPClientTask {
        let request = HTTPClientRequest(method: "POST", url: url,
                                        headers: [("Authorization", configuration.authorization),
                                                  ("Content-Type", "application/x-www-form-urlencoded"),
                                                  ("Accept", "application/json")],
                                        body: Array(HTTPForm.encode(fields).utf8),
                                        timeoutMs: configuration.timeoutMs)
        return http.send(request) { result in
            switch result {
            case .failure(let error):
                completion(.failure(TwilioAPIError(status: nil, code: nil, message: String(describing: error), moreInfo: nil)))
            case .success(let response) where (200..<300).contains(response.status):
                if let sid = (try? JSON.parse(response.body))?["sid"]?.stringValue {
                    completion(.success(sid))
                } else {
                    completion(.failure(TwilioAPIError(status: response.status, code: nil,
                                                       message: "the answer carries no call sid: " + String(response.text.prefix(200)),
                                                       moreInfo: nil)))
                }
            case .success(let response):
                completion(.failure(TwilioAPIError(status: response.status, body: response.body)))
            }
        }
    }
}

@available(*, unavailable)
extension TwilioCallsClient: Sendable {}
