import Testing
import JSON

@Suite("JSONSplice")
struct JSONSpliceTests {
    @Test func splice_writesWhatJoinedBuilds() {
        for (first, second) in [("MZ1", "/////w=="), ("", ""), ("a", String(repeating: "QUJD", count: 100))] {
            var a = first, b = second
            a.withUTF8 { x in
                b.withUTF8 { y in
                    let five = JSONSplice(#"{"k":""#, UnsafeRawBufferPointer(x), #"","v":""#, UnsafeRawBufferPointer(y), #""}"#)
                    #expect(five.string == JSON.joined(#"{"k":""#, first, #"","v":""#, second, #""}"#))
                    #expect(five.count == five.string.utf8.count)
                    let three = JSONSplice(#"{"k":""#, UnsafeRawBufferPointer(y), #""}"#)
                    #expect(three.string == JSON.joined(#"{"k":""#, second, #""}"#))
                    let seven = JSONSplice(#"{"k":""#, UnsafeRawBufferPointer(x), #"","v":""#, UnsafeRawBufferPointer(y), "--",
                                           UnsafeRawBufferPointer(x), #""}"#)
                    #expect(seven.string == JSON.joined(#"{"k":""#, first, #"","v":""#, second, "--", first, #""}"#))
                    #expect(seven.count == seven.string.utf8.count)
                }
            }
        }
    }

    @Test func splice_writesOnlyItsCountIntoALargerBuffer() {
        var value = "xyz"
        value.withUTF8 { bytes in
            let splice = JSONSplice("[[", UnsafeRawBufferPointer(bytes), "]]")
            var buffer = [UInt8](repeating: 0xEE, count: 8)
            buffer.withUnsafeMutableBytes { splice.write(into: $0) }
            #expect(buffer == Array("[[xyz]]".utf8) + [0xEE])
        }
    }
}
