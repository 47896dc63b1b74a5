import Config
import HTTP
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
}
