import Foundation
import HTTP
import Testing
@testable import Twilio

/// What a refused request costs: the loop carries every call's audio, so whatever the body, a
/// bad signature must be cheap to refuse: under a millisecond of loop time in the release build
/// the daemon runs as (`scripts/test` runs the `…CostTests` suites built `-c release`). A debug
/// build runs the same code four to ten times slower; there the bound only catches gross regressions.
@Suite struct TwilioSignatureCostTests {
    #if DEBUG
    static let budgetMicros: Int64 = 5_000
    #else
    static let budgetMicros: Int64 = 1_000
    #endif
    static let token = "0123456789abcdef0123456789abcdef"
    static let urls = ["https://h.example/incoming-call", "http://h.example/incoming-call"]

    static func form(parameters: Int, valueBytes: Int) -> [(String, String)] {
        (0..<parameters).map { ("P\($0)", String(repeating: "v", count: valueBytes)) }
    }

    /// The median of `runs` timings of `body`, in microseconds.
    static func medianMicros(runs: Int = 21, _ body: () -> Void) -> Int64 {
        var timings: [Int64] = []
        for _ in 0..<runs {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            timings.append(Int64(DispatchTime.now().uptimeNanoseconds - start) / 1000)
        }
        return timings.sorted()[runs / 2]
    }

    @Test func aSignatureThatIsNot28Base64Characters_isRefusedBeforeTheBodyIsRead() {
        let validator = TwilioRequestValidator(authToken: Self.token)
        for bogus in ["AAAA", String(repeating: "A", count: 28), String(repeating: "A", count: 27) + "!",
                      String(repeating: "A", count: 29) + "=", "AAAAAAAAAAAAAAAAAAAAAAAAAA=="] {
            let request = SignatureVector.request(url: Self.urls[0], params: Self.form(parameters: 12_000, valueBytes: 1),
                                                  body: nil, signature: bogus)
            #expect(validator.check(request, urls: Self.urls) == .malformedSignature, "\(bogus)")
        }
        #expect(TwilioRequestValidator.isWellFormed(TwilioSignature.compute(url: "https://h/", params: [], authToken: Self.token)))
    }

    @Test func aFormLargerThanTwilioSends_isRefusedUndecoded() {
        let validator = TwilioRequestValidator(authToken: Self.token)
        let signature = String(repeating: "A", count: 27) + "="
        let many = SignatureVector.request(url: Self.urls[0], params: Self.form(parameters: 12_000, valueBytes: 1), body: nil,
                                           signature: signature)
        #expect(many.body.count > 40_000)
        #expect(validator.check(many, urls: Self.urls) == .formTooLarge)
        let tooMany = SignatureVector.request(url: Self.urls[0], params: Self.form(parameters: TwilioRequestValidator.maxFormParameters + 1, valueBytes: 1),
                                              body: nil, signature: signature)
        #expect(validator.check(tooMany, urls: Self.urls) == .formTooLarge)
        #expect(validator.check(many, urls: Self.urls) == .formTooLarge)
        #expect(Self.medianMicros { _ = validator.check(many, urls: Self.urls) } < Self.budgetMicros)
    }

    /// The worst a well-formed bogus signature can do: a body at both caps, four URL variants.
    @Test func aMaximalFormWithABogusSignature_costsUnderAMillisecond() {
        let validator = TwilioRequestValidator(authToken: Self.token)
        let parameters = TwilioRequestValidator.maxFormParameters
        let valueBytes = TwilioRequestValidator.maxFormBytes / parameters - 8
        let params = Self.form(parameters: parameters, valueBytes: valueBytes)
        let request = SignatureVector.request(url: Self.urls[0], params: params, body: nil,
                                              signature: String(repeating: "A", count: 27) + "=")
        #expect(request.body.count > TwilioRequestValidator.maxFormBytes - 1_024 && request.body.count <= TwilioRequestValidator.maxFormBytes)
        #expect(validator.check(request, urls: Self.urls) == .mismatch)
        let micros = Self.medianMicros { _ = validator.check(request, urls: Self.urls) }
        #expect(micros < Self.budgetMicros, "a refused maximal request took \(micros) µs")
        // And a genuine one with the same body still passes.
        let genuine = SignatureVector.request(url: Self.urls[1], params: params, body: nil,
                                              signature: TwilioSignature.compute(url: Self.urls[1], params: params, authToken: Self.token))
        #expect(validator.check(genuine, urls: Self.urls) == nil)
    }
}
