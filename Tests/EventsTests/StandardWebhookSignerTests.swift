import Base64
import Events
import Testing

/// Standard Webhooks' signature scheme, checked against the vector the specification's own
/// libraries test with (libraries/javascript/src/webhook.test.ts, "sign function works").
@Suite struct StandardWebhookSignerTests {
    static let key = Base64.decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")!  // whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw

    @Test func signer_matchesTheSpecificationVector() {
        let signer = StandardWebhookSigner(key: Self.key)
        let signature = signer.signature(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330,
                                         body: Array(#"{"test": 2432232314}"#.utf8))
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test func headers_carryTheIdTheTimestampInSecondsAndTheSignature() {
        let signer = StandardWebhookSigner(key: Self.key)
        let body = Array(#"{"test": 2432232314}"#.utf8)
        let headers = signer.headers(id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: body)
        #expect(headers.map(\.0) == ["webhook-id", "webhook-timestamp", "webhook-signature"])
        #expect(headers[0].1 == "msg_p5jXN8AQM9LWM0D4loKWxJek" && headers[1].1 == "1614265330")
        #expect(headers[2].1 == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test func signature_changesWithTheTimestampAndTheBody() {
        let signer = StandardWebhookSigner(key: Self.key)
        let body = Array("{}".utf8)
        let a = signer.signature(id: "msg_1", timestamp: 100, body: body)
        #expect(a != signer.signature(id: "msg_1", timestamp: 101, body: body))
        #expect(a != signer.signature(id: "msg_1", timestamp: 100, body: Array("{ }".utf8)))
        #expect(a != StandardWebhookSigner(key: Array(repeating: 7, count: 24)).signature(id: "msg_1", timestamp: 100, body: body))
    }
}
