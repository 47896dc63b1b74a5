import Testing
import WebSocket

@Suite("WSCloseCode")
struct WSCloseCodeTests {
    @Test(arguments: [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999] as [UInt16])
    func closeCode_acceptsCodesValidOnTheWire(_ code: UInt16) {
        #expect(WSCloseCode.isValidOnWire(code))
    }

    @Test func closeCode_refusesLocalOnlyAndUnassignedCodes() {
        for code: UInt16 in [0, 999, 1004, 1005, 1006, 1012, 1015, 2000, 2999, 5000] {
            #expect(!WSCloseCode.isValidOnWire(code), "\(code)")
        }
    }

    @Test func closeCode_encodesCodeAndReason() {
        #expect(WSCloseCode.encodePayload(code: 1000, reason: "ok") == [0x03, 0xE8, 0x6F, 0x6B])
        #expect(WSCloseCode.encodePayload(code: nil, reason: "ignored") == [])
    }

    @Test func closeCode_truncatesReasonAtACharacterBoundary() {
        let payload = WSCloseCode.encodePayload(code: 1000, reason: String(repeating: "é", count: 100))
        #expect(payload.count == 124) // 2 + 61 × 2 bytes; a 62nd "é" would need 125
        #expect(WSUTF8Validator.isValid(Array(payload.dropFirst(2))))
    }

    @Test func closeCode_decodesPayloads() throws {
        let decoded = try WSCloseCode.decodePayload([0x0F, 0xA0] + Array("beta_api_shape_disabled".utf8))
        #expect(decoded.code == 4000)
        #expect(decoded.reason == "beta_api_shape_disabled")
        #expect(try WSCloseCode.decodePayload([]).code == nil)
    }

    @Test func closeCode_rejectsMalformedPayloads() {
        #expect(throws: WSProtocolError(closeCode: 1002, reason: "close frame with a 1-byte payload (a close code takes 2 bytes)")) {
            try WSCloseCode.decodePayload([0x03])
        }
        #expect { try WSCloseCode.decodePayload([0x03, 0xEE]) } throws: { ($0 as? WSProtocolError)?.closeCode == 1002 }
        #expect { try WSCloseCode.decodePayload([0x03, 0xE8, 0xFF]) } throws: { ($0 as? WSProtocolError)?.closeCode == 1007 }
    }
}
