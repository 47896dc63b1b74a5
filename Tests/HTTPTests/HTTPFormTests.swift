import Testing
import HTTP

@Suite("HTTPForm")
struct HTTPFormTests {
    @Test func form_decodesTwilioWebhookBody() {
        let pairs = HTTPForm.decode("AccountSid=AC123&From=%2B15551234567&CallerName=Jane+Doe&Digits=")
        #expect(pairs.map(\.0) == ["AccountSid", "From", "CallerName", "Digits"])
        #expect(pairs.map(\.1) == ["AC123", "+15551234567", "Jane Doe", ""])
    }

    @Test func form_keepsInvalidEscapesLiterally() {
        let pairs = HTTPForm.decode("a=%zz&b=100%&c=%4&d=%41%42")
        #expect(pairs.map(\.1) == ["%zz", "100%", "%4", "AB"])
    }

    @Test func form_decodesUTF8AndSkipsEmptyPieces() {
        let pairs = HTTPForm.decode(Substring("name=Ren%C3%A9e&&flag&x=a=b"))
        #expect(pairs.count == 3)
        #expect(pairs[0] == ("name", "Renée"))
        #expect(pairs[1] == ("flag", ""))
        #expect(pairs[2] == ("x", "a=b"))
    }

    @Test func form_percentEncodesAllButUnreserved() {
        #expect(HTTPForm.percentEncode("AZaz09-._~") == "AZaz09-._~")
        #expect(HTTPForm.percentEncode("a b+c&d=é/?") == "a%20b%2Bc%26d%3D%C3%A9%2F%3F")
    }

    @Test func form_encodeAndDecodeRoundTrip() {
        let pairs = [("q", "weather in São Paulo?"), ("n", "1+1=2")]
        let decoded = HTTPForm.decode(HTTPForm.encode(pairs))
        #expect(decoded.map(\.0) == pairs.map(\.0))
        #expect(decoded.map(\.1) == pairs.map(\.1))
    }
}
