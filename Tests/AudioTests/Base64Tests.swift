import Foundation
import Testing
import Audio

@Suite struct Base64Tests {
    @Test func encodeAndDecode_agreeWithFoundation_onEveryLengthUpTo200() {
        var generator = SystemRandomNumberGenerator()
        for length in 0...200 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let ours = bytes.withUnsafeBytes { Base64.encode($0) }
            #expect(ours == Data(bytes).base64EncodedString(), "length \(length)")
            var decoded: [UInt8] = [7]
            let ok = Array(ours.utf8).withUnsafeBytes { Base64.decode($0, appendingTo: &decoded) }
            #expect(ok && decoded == [7] + bytes, "length \(length)")
        }
    }

    @Test(arguments: ["A", "AB=", "A===", "AB=C", "=AAA", "AA-_", "AA A", "AAA\n", "////=AAA"])
    func decode_refusesWhatIsNotPaddedStandardBase64(text: String) {
        var output: [UInt8] = [1, 2]
        let ok = Array(text.utf8).withUnsafeBytes { Base64.decode($0, appendingTo: &output) }
        #expect(!ok, "\(text)")
        #expect(output == [1, 2], "a refused text leaves the output as it was")
    }
}
