@testable import Server
import HTTPClient
import Net
import Testing
import Twilio
@testable import Calls

/// `to` and `from` of an outbound call, as Twilio's Calls API documents them: `To` is an E.164
/// number, a SIP URI or `client:name`; `From` an E.164 number or `client:name`. Anything else is
/// refused before Twilio is contacted, by `POST /calls` and by `voice-bridge call` alike.
@Suite struct OutboundCallAddressTests {
    static let tenKilobytes = "+" + String(repeating: "4", count: 10_240)
    static let longSIP = "sip:" + String(repeating: "u", count: 200) + "@" + String(repeating: "h", count: 51)  // 256 bytes

    static func refusal(_ body: String) -> String? {
        do {
            _ = try OutboundCallFields(json: Array(body.utf8))
            return nil
        } catch {
            return error.description
        }
    }

    /// `value` as a JSON string literal.
    static func json(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\u{0}"..."\u{1F}": out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    @Test(arguments: ["+46701234567", "+12", "+123456789012345", "sip:alice@example.com",
                      "sip:alice@example.com;transport=tls", "sip:+46701234567@pbx.example.com:5061;transport=tls;region=ie1",
                      longSIP, "client:alice", "client:Agent_7.desk-2", "client:" + String(repeating: "a", count: 121),
                      " +46701234567\t"])
    func to_acceptsTheDocumentedForms(value: String) throws {
        #expect(Self.refusal(#"{"to":\#(Self.json(value))}"#) == nil, "\(value)")
        let fields = try OutboundCallFields(json: Array(#"{"to":\#(Self.json(value))}"#.utf8))
        #expect(fields.to == value.trimmed(of: [" ", "\t"]), "kept trimmed, as Twilio will get it")
    }

    @Test(arguments: ["+46701234567", "client:alice"])
    func from_acceptsANumberOrAClientIdentity(value: String) {
        #expect(Self.refusal(#"{"to":"+46701234567","from":\#(Self.json(value))}"#) == nil)
    }

    @Test(arguments: [
        "+46701234567\r\nStatusCallback: https://evil.example",  // CR/LF injection
        "+46701234567\n", "12345", "+0123", "+1", "+1234567890123456", "+46 70 123 45 67", "+4670123456a",
        "+\u{0664}\u{0666}\u{0667}\u{0660}",  // Arabic-Indic digits
        "sip:", "sip:alice", "sip:@example.com", "sip:alice@", "sip:a@b@c", "sip:alice @example.com",
        "sip:<alice@example.com>", "sip:\"alice\"@example.com", "sip:alice@example.com\r\nX: 1",
        "sip:alice@exämple.com", longSIP + "x", "sips:alice@example.com", "tel:+46701234567",
        "client:", "client:bob smith", "client:" + String(repeating: "a", count: 122), "client:bob/../x",
        "http://example.com", tenKilobytes,
    ])
    func to_refusesEverythingElse_namingTheFieldAndTheForms(value: String) throws {
        let refusal = try #require(Self.refusal(#"{"to":\#(Self.json(value))}"#), "\(value.prefix(60))")
        #expect(refusal.hasPrefix(#""to" must be "#))
        #expect(refusal.contains("E.164") && refusal.contains("sip:user@host") && refusal.contains("client:"))
        #expect(!refusal.contains("\r") && !refusal.contains("\n"), "control characters are escaped")
    }

    @Test(arguments: ["sip:alice@example.com", "12345", "+0123", "client:bob smith", "+46701234567\r\nX: 1"])
    func from_refusesSIPAndMalformedValues(value: String) throws {
        let refusal = try #require(Self.refusal(#"{"to":"+46701234567","from":\#(Self.json(value))}"#))
        #expect(refusal.hasPrefix(#""from" must be "#))
        #expect(refusal.contains("E.164") && refusal.contains("verified caller ID") && !refusal.contains("sip:user@host"))
    }

    @Test func refusal_echoesAtMost40CharactersOfTheValue_escaped() throws {
        let long = try #require(Self.refusal(#"{"to":"\#(Self.tenKilobytes)"}"#))
        #expect(long.hasSuffix("got '+" + String(repeating: "4", count: 39) + "…' (10241 characters)"))
        #expect(long.utf8.count < 600, "\(long.utf8.count) bytes")
        let injected = try #require(Self.refusal(#"{"to":"+4670\r\nX: 'a'\\ \u0007é"}"#))
        #expect(injected.hasSuffix(#"got '+4670\r\nX: \'a\'\\ \u{7}\u{E9}'"#), "\(injected)")
    }

    @Test func dialer_refusesTheSameValues_beforeContactingTwilio() throws {
        let loop = try EventLoop()
        // Nothing listens on port 9: `place` must throw before it would try.
        let client = TwilioCallsClient(http: HTTPClient(loop: loop),
                                       configuration: .init(callsURL: "http://127.0.0.1:9/Calls.json", authorization: "Basic x"))
        func place(_ to: String, from: String?, defaultFrom: String?) -> String? {
            let dialer = OutboundDialer(client: client, defaultFrom: defaultFrom, publicHost: "bridge.example.com",
                                        publicScheme: nil, records: nil)
            do {
                try dialer.place(to: to, from: from, override: CallOverride()) { _ in Issue.record("Twilio was contacted") }
                return nil
            } catch {
                return String(describing: error)
            }
        }
        #expect(place("+46701234567\r\nX: 1", from: "+15557650000", defaultFrom: nil)?.hasPrefix("`to` must be") == true)
        #expect(place("sip:", from: "+15557650000", defaultFrom: nil)?.hasPrefix("`to` must be") == true)
        #expect(place("+46701234567", from: "12345", defaultFrom: nil)?.hasPrefix("`from` must be") == true)
        let fromSetting = place("+46701234567", from: nil, defaultFrom: "5557650000")
        #expect(fromSetting?.hasPrefix("TWILIO_PHONE_NUMBER must be") == true, "\(fromSetting ?? "accepted")")
    }
}
