@testable import Server
import Logging
import HTTP
import JSON
import Realtime
import Testing
import Twilio
@testable import Calls

/// Per-call overrides in `<Parameter>` pieces and server-side records; the bearer check.
@Suite struct OutboundCallTests {
    @Test(arguments: [0, 1, 449, 450, 451, 2000])
    func override_roundTripsThroughParameterPieces(length: Int) throws {
        let text = String((0..<length).map { Character(Unicode.Scalar(UInt8(97 + $0 % 26))) })
        let override = CallOverride(instructions: text, greeting: "Hi é ✓")
        let pairs = override.parameters
        #expect(pairs.allSatisfy { $0.0.count + $0.1.count < TwiML.parameterLengthLimit })
        let parsed = try #require(CallOverride(customParameters: Dictionary(uniqueKeysWithValues: pairs)))
        #expect(parsed == override)
    }

    @Test func override_absentForAnInboundCall() {
        #expect(CallOverride(customParameters: ["From": "+1", "CallSid": "CA1"]) == nil)
        #expect(CallOverride(customParameters: ["greeting": ""])?.greeting == "")  // empty: the callee speaks first
    }

    @Test func records_areClaimedOnce() {
        let records = OutboundCallRecords()
        let token = records.store(CallOverride(instructions: "long"))
        #expect(token.hasPrefix("ob_") && token.count == 35)
        #expect(records.store(CallOverride()) != token)
        #expect(records.claim(token)?.instructions == "long")
        #expect(records.claim(token) == nil)
        #expect(records.claim("ob_unknown") == nil)
    }

    @Test func records_expire() {
        let records = OutboundCallRecords()
        records.lifetimeMs = -1
        let token = records.store(CallOverride(instructions: "x"))
        #expect(records.claim(token) == nil && records.count == 0)
    }

    @Test(arguments: [("Bearer s3cret", true), ("bearer s3cret", true), ("Bearer s3cre", false), ("Bearer s3cret2", false),
                      ("Bearer ", false), ("Basic s3cret", false), ("s3cret", false)])
    func bearer_matchesOnlyTheExactKey(header: String, expected: Bool) {
        #expect(CallRouter.bearerMatches(header, key: "s3cret") == expected)
        #expect(!CallRouter.bearerMatches(nil, key: "s3cret"))
    }

    // MARK: - metadata

    static func fields(_ body: String) throws(OutboundCallFields.Invalid) -> OutboundCallFields {
        try OutboundCallFields(json: Array(body.utf8))
    }

    static func refusal(_ body: String) -> String? {
        do {
            _ = try fields(body)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func metadata_flatValues_areKeptWithTheCall_inOrder() throws {
        let parsed = try Self.fields(#"{"to":"+46701234567","metadata":{"ticket":"T-42","attempt":2,"vip":true}}"#)
        #expect(parsed.metadata.keys == ["ticket", "attempt", "vip"])
        #expect(parsed.override.metadata == parsed.metadata)
        #expect(parsed.metadata["attempt"] == .number(2))
        #expect(try Self.fields(#"{"to":"+46701234567"}"#).metadata.isEmpty)
        #expect(try Self.fields(#"{"to":"+46701234567","metadata":null}"#).override.isEmpty)
    }

    @Test func metadata_ofSixteenKeys_isAccepted_seventeenIsRefusedNamingTheLimit() throws {
        func body(_ count: Int) -> String {
            #"{"to":"+46701234567","metadata":{"# + (1...count).map { #""k\#($0)":\#($0)"# }.joined(separator: ",") + "}}"
        }
        #expect(try Self.fields(body(16)).metadata.count == 16)
        let refusal = try #require(Self.refusal(body(17)))
        #expect(refusal.contains("17 keys") && refusal.contains("at most 16"))
    }

    @Test(arguments: [#"{"a":{"b":1}}"#, #"{"a":[1]}"#, #"{"a":null}"#])
    func metadata_nestedOrNullValues_areRefusedNamingTheKey(metadata: String) throws {
        let refusal = try #require(Self.refusal(#"{"to":"+46701234567","metadata":\#(metadata)}"#))
        #expect(refusal.contains(#""metadata"."a""#) && refusal.contains("string, number or boolean"))
    }

    @Test func metadata_over1024BytesOfJSON_isRefusedNamingTheLimit() throws {
        let fits = String(repeating: "x", count: 1024 - #"{"note":""}"#.utf8.count)
        #expect(try Self.fields(#"{"to":"+46701234567","metadata":{"note":"\#(fits)"}}"#).metadata.count == 1)
        let refusal = try #require(Self.refusal(#"{"to":"+46701234567","metadata":{"note":"\#(fits)x"}}"#))
        #expect(refusal.contains("1025 bytes") && refusal.contains("at most 1024"))
        #expect(Self.refusal(#"{"to":"+46701234567","metadata":"T-42"}"#)?.contains("must be an object") == true)
    }

    static func manager() -> CallManager {
        CallManager(context: CallContext(endpoint: .local, sessionOptions: RealtimeSessionOptions(instructions: "x"),
                                         greeting: "", tls: nil, logger: Logger()))
    }

    @Test func override_comesFromTheRecord_withItsMetadata_once() throws {
        let manager = Self.manager()
        let stored = CallOverride(instructions: "short", metadata: ["ticket": "T-42"])
        let token = manager.outboundRecords.store(stored)
        var parameters = Dictionary(uniqueKeysWithValues: stored.parameters)
        parameters["outbound"] = token
        let start = TwilioStart(streamSid: "MZ1", callSid: "CA1", customParameters: parameters)
        #expect(manager.override(for: start) == stored)
        // Placed by another replica (or claimed already): the inline instructions, no metadata.
        #expect(manager.override(for: start) == CallOverride(instructions: "short"))
        let metadataOnly = TwilioStart(streamSid: "MZ2", callSid: "CA2", customParameters: ["outbound": "ob_elsewhere"])
        #expect(manager.override(for: metadataOnly) == nil)
        #expect(manager.override(for: TwilioStart(streamSid: "MZ3", callSid: "CA3")) == nil)
    }

    @Test func metadata_isNeverAStreamParameter() {
        let override = CallOverride(greeting: "Hi", metadata: ["ticket": "T-42"])
        #expect(override.parameters.map(\.0) == ["greeting"])
        #expect(!override.isEmpty && CallOverride(metadata: ["a": true]).changesTheConversation == false)
    }
}
