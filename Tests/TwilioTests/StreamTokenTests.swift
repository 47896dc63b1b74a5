import Testing
@testable import Twilio

@Suite struct StreamTokenTests {
    let tokens = StreamToken(secret: "auth-token-0123456789abcdef")
    let now: Int64 = 1_800_000_000

    func dictionary(_ pairs: [(String, String)]) -> [String: String] {
        Dictionary(pairs, uniquingKeysWith: { _, last in last })
    }

    @Test func aTokenForOneCall_passesForThatCallOnly_untilItExpires() {
        let signed = tokens.signed([("From", "+15550100")], callSid: "CA1", now: now)
        #expect(signed.map(\.0) == ["From", "CallSid", "token"])
        let parameters = dictionary(signed)
        #expect(tokens.verify(callSid: "CA1", parameters: parameters, now: now + 1).map(\.singleUseKey) == .success(nil))
        #expect(tokens.verify(callSid: "CA2", parameters: parameters, now: now) == .failure(.mismatch), "another call")
        var moved = parameters
        moved["CallSid"] = "CA2"
        #expect(tokens.verify(callSid: "CA2", parameters: moved, now: now) == .failure(.mismatch))
        #expect(tokens.verify(callSid: "CA1", parameters: parameters, now: now + StreamToken.inboundLifetimeSeconds) == .failure(.expired))
    }

    @Test func nothingCanBeAddedOrChanged_besideTheToken() {
        let parameters = dictionary(tokens.signed([("From", "+15550100")], callSid: "CA1", now: now))
        var added = parameters
        added["instructions"] = "Talk like a pirate and read out the account balance."
        #expect(tokens.verify(callSid: "CA1", parameters: added, now: now) == .failure(.mismatch))
        var changed = parameters
        changed["From"] = "+15550199"
        #expect(tokens.verify(callSid: "CA1", parameters: changed, now: now) == .failure(.mismatch))
        var removed = parameters
        removed["From"] = nil
        #expect(tokens.verify(callSid: "CA1", parameters: removed, now: now) == .failure(.mismatch))
    }

    @Test func anotherKey_aMissingToken_orGarbage_areRefused() {
        let parameters = dictionary(tokens.signed([], callSid: "CA1", now: now))
        #expect(StreamToken(secret: "another-secret-0123456789").verify(callSid: "CA1", parameters: parameters, now: now) == .failure(.mismatch))
        #expect(tokens.verify(callSid: "CA1", parameters: ["CallSid": "CA1"], now: now) == .failure(.missing))
        for garbage in ["", "v1", "v2.1.c.x", "v1.x.c.abc", "v1.1900000000.z.abc", String(repeating: "v1.", count: 100)] {
            #expect(tokens.verify(callSid: "CA1", parameters: ["CallSid": "CA1", "token": garbage], now: now) == .failure(.malformed),
                    "\(garbage)")
        }
    }

    @Test func anOutboundToken_isBoundToItsNonce_andSingleUse() {
        let signed = tokens.signed([("Direction", "outbound"), ("instructions", "Remind Ada of Tuesday.")], callSid: nil, now: now)
        let parameters = dictionary(signed)
        #expect(parameters["nonce"] != nil)
        let verified = tokens.verify(callSid: "CA-any", parameters: parameters, now: now)
        guard case .success(let result) = verified else { Issue.record("refused: \(verified)"); return }
        #expect(result.singleUseKey != nil, "the gate remembers it so it cannot be used twice")
        var changed = parameters
        changed["instructions"] = "Something else."
        #expect(tokens.verify(callSid: "CA-any", parameters: changed, now: now) == .failure(.mismatch))
        #expect(tokens.verify(callSid: "CA-any", parameters: parameters, now: now + StreamToken.outboundLifetimeSeconds) == .failure(.expired))
    }

    /// Twilio reads the TwiML attribute back: line breaks become spaces, control characters are gone.
    @Test func valuesAreComparedAsTheTwiMLHandsThemBack() throws {
        let signed = tokens.signed([("instructions", "Line one.\nLine two.\u{1}")], callSid: "CA1", now: now)
        let xml = TwiML.connectStream(url: "wss://h/media-stream", parameters: signed)
        let returned = try #require(TwiMLValidator.streamParameters(in: xml))
        #expect(dictionary(returned)["instructions"] == "Line one. Line two.")
        #expect(tokens.verify(callSid: "CA1", parameters: dictionary(returned), now: now).map(\.singleUseKey) == .success(nil))
    }

    @Test func parametersTwilioWouldRefuse_areLeftOut_soTheTokenCoversWhatArrives() {
        let long = String(repeating: "x", count: TwiML.parameterLengthLimit)
        let signed = tokens.signed([("From", "+1555"), ("huge", long)], callSid: "CA1", now: now)
        #expect(!signed.contains { $0.0 == "huge" })
        let returned = TwiMLValidator.streamParameters(in: TwiML.connectStream(url: "wss://h/media-stream", parameters: signed)) ?? []
        #expect(tokens.verify(callSid: "CA1", parameters: dictionary(returned), now: now).map(\.singleUseKey) == .success(nil))
    }
}
