import Testing
@testable import JSON
import Base64
import TestSupport

@Suite("JSONFlatObject")
struct JSONFlatObjectTests {
    private func index<T>(_ text: String, _ body: (JSONFlatObject?) -> T) -> T {
        var copy = text
        return copy.withUTF8 { body(JSONFlatObject(UnsafeRawBufferPointer($0))) }
    }

    @Test func flat_readsMembersAndOneNestedLevel() {
        index(#"{ "event" : "media", "n":-12, "ok":true, "none":null, "media":{"payload":"AAAA","chunk":"3"} }"#) { object in
            guard let object else { Issue.record("declined a plain object"); return }
            #expect(object.string(object.member("event")) == "media")
            #expect(object.member(object.member("event")!, equals: "media"))
            #expect(!object.member(object.member("event")!, equals: "medi"))
            #expect(object.integer(of: object.member("n")!) == -12)
            #expect(object.member("ok")?.kind == .literal && !object.isNull(object.member("ok")!))
            #expect(object.isNull(object.member("none")!))
            let media = object.member("media")!
            #expect(media.kind == .object)
            #expect(object.string(object.member("payload", in: media)) == "AAAA")
            #expect(object.string(object.member("chunk", in: media)) == "3")
            #expect(object.member("payload") == nil)  // not a member of the outer object
            #expect(object.member("absent") == nil)
        }
    }

    @Test func flat_findsOneCharacterKeys() {
        index(#"{"a":1,"bc":{"d":"x"}}"#) { object in
            #expect(object?.integer(of: object!.member("a")!) == 1)
            #expect(object?.string(object!.member("d", in: object!.member("bc")!)) == "x")
        }
    }

    @Test func flat_repeatedKeyResolvesToTheLastOneAsJSONObjectDoes() {
        index(#"{"a":"1","m":{"x":"1"},"a":"2","m":{"y":"2"}}"#) { object in
            #expect(object?.string(object?.member("a")) == "2")
            let m = object!.member("m")!
            #expect(object!.member("x", in: m) == nil)
            #expect(object!.string(object!.member("y", in: m)) == "2")
        }
    }

    @Test(arguments: [
        #"[1]"#, #""text""#, #"{"a":[1]}"#, #"{"a":"\n"}"#, #"{"a":"\u0041"}"#, #"{"a":"é"}"#, #"{"a":1.5}"#,
        #"{"a":1e3}"#, #"{"a":01}"#, #"{"a":1234567890123456}"#, #"{"a":{"b":{"c":1}}}"#, #"{"a":1} x"#,
        #"{"a":1,}"#, #"{"a" 1}"#, #"{a:1}"#, #"{"a":tru}"#, #"{"a":-}"#, "{\"a\":\"\u{1}\"}", #"{"a":"1""#, "",
    ])
    func flat_declinesWhatItDoesNotCheckFully(text: String) {
        index(text) { #expect($0 == nil, "\(text)") }
    }

    @Test func integerInString_readsAsIntOfStringDoes() {
        var texts = ["0", "7", "-0", "+5", "007", "-12", "", "+", "-", "1.5", "1e3", " 1", "1 ",
                     "9223372036854775807", "9223372036854775808", "-9223372036854775808",
                     "-9223372036854775809", "+9223372036854775807", "99999999999999999999", "--1", "+-1"]
        var generator = SplitMix64(seed: 77)
        for _ in 0..<2_000 {
            let alphabet = Array("0123456789+-x".utf8)
            let length = Int.random(in: 0...21, using: &generator)
            texts.append(String(decoding: (0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }, as: UTF8.self))
        }
        for text in texts {
            let json = Array("{\"n\":\"\(text)\"}".utf8)
            json.withUnsafeBytes { raw in
                guard let object = JSONFlatObject(raw), let member = object.member("n") else {
                    Issue.record("the index declined \(text)")
                    return
                }
                #expect(object.integer(inString: member) == Int(text), "\(text)")
            }
        }
    }

    /// A `base64Key` member is base64 exactly when `Base64.isValid` says so, at either level,
    /// and a member of another name is never marked; the end found is the plain scan's.
    @Test func flat_base64MemberAgreesWithIsValid() {
        var generator = SplitMix64(seed: 18)
        var values = ["", "AAAA", "AB==", "ABC=", "A===", "AB=C", "====", "=", "AAA", "AAAAA", "-_AA", "AA A",
                      "/////w==", String(repeating: "QUJD", count: 54), String(repeating: "QUJD", count: 54) + "QQ=="]
        let alphabet = Array("ABCab019+/=-_ .".utf8)
        for _ in 0..<3_000 {
            let length = Int.random(in: 0...30, using: &generator)
            values.append(String(decoding: (0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }, as: UTF8.self))
        }
        var reused = JSONFlatObject()
        for value in values {
            for template in [#"{"event":"media","media":{"payload":"\#(value)"}}"#, #"{"payload":"\#(value)","delta":"\#(value)"}"#] {
                var copy = template
                copy.withUTF8 { utf8 in
                    let raw = UnsafeRawBufferPointer(utf8)
                    guard reused.reindex(raw, base64Key: "payload") else {
                        Issue.record("declined \(template)")
                        return
                    }
                    let plain = JSONFlatObject(raw)!
                    let media = reused.member("media")
                    guard let payload = media.map({ reused.member("payload", in: $0) }) ?? reused.member("payload") else {
                        Issue.record("no payload in \(template)")
                        return
                    }
                    #expect(reused.isBase64(payload) == Base64.isValid(reused.bytes(of: payload)), "\(value)")
                    #expect(reused.string(payload) == value)
                    #expect(plain.string(media.map { plain.member("payload", in: $0)! } ?? plain.member("payload")) == value)
                    #expect(!(plain.member("payload").map(plain.isBase64) ?? false) && !(reused.member("delta").map(reused.isBase64) ?? false))
                }
            }
        }
    }

    /// The entries' room is shared by copies only until one reindexes: a copy keeps its members,
    /// and an index past sixteen members grows its room.
    @Test func flat_copyKeepsItsEntries_andRoomGrows() {
        let first = Array(#"{"event":"media","n":1}"#.utf8)
        let many = Array(("{" + (0..<40).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + #","event":"mark"}"#).utf8)
        first.withUnsafeBytes { a in
            many.withUnsafeBytes { b in
                var index = JSONFlatObject()
                let indexedFirst = index.reindex(a)
                let copy = index
                let indexedMany = index.reindex(b)
                #expect(indexedFirst && indexedMany)
                #expect(copy.string(copy.member("event")) == "media" && copy.integer(of: copy.member("n")!) == 1)
                #expect(index.string(index.member("event")) == "mark" && index.member("n") == nil)
                #expect(index.reindex(a) && index.string(index.member("event")) == "media")
            }
        }
    }

    /// Whenever the index accepts a text, the full parser accepts it too and every member agrees.
    @Test func flat_agreesWithTheFullParserOnEveryAcceptedVariant() throws {
        let base = Array(#"{"event":"media","sequenceNumber":"3","n":-0,"t":true,"z":null,"media":{"track":"inbound","chunk":12,"payload":"/////w=="}}"#.utf8)
        var variants: [[UInt8]] = [base]
        for cut in 0..<base.count { variants.append(Array(base[0..<cut])) }
        for position in 0..<base.count {
            for byte: UInt8 in [0x22, 0x5C, 0x7D, 0x7B, 0x2C, 0x3A, 0x20, 0x30, 0x2E, 0x65, 0x2D, 0x5B, 0x00, 0xC3] {
                var bytes = base
                bytes[position] = byte
                variants.append(bytes)
                var inserted = base
                inserted.insert(byte, at: position)
                variants.append(inserted)
            }
        }
        var accepted = 0
        var reused = JSONFlatObject()  // one index for every variant, as a call keeps one
        for bytes in variants {
            let agrees: Bool? = bytes.withUnsafeBytes { raw in
                let fresh = JSONFlatObject(raw)
                #expect(reused.reindex(raw) == (fresh != nil), "reindex and init? differ on \(String(decoding: bytes, as: UTF8.self))")
                guard let object = fresh else {
                    #expect(reused.member("event") == nil, "a declined text left members behind")
                    return nil
                }
                #expect(Self.agree(reused, parent: nil, object), "the reused index differs")
                guard let json = try? JSON.parse(raw), case .object(let members) = json else { return false }
                return Self.agree(object, parent: nil, members)
            }
            guard let agrees else { continue }
            accepted += 1
            #expect(agrees, "index and parser disagree on \(String(decoding: bytes, as: UTF8.self))")
        }
        #expect(accepted > 100, "accepted \(accepted) of \(variants.count)")
    }

    private static func agree(_ object: JSONFlatObject, parent: JSONFlatObject.Member?, _ members: JSONObject) -> Bool {
        for (key, _) in members {
            guard let found = lookUp(object, key, in: parent) else { continue }  // a name this test cannot spell statically
            guard let member = found else { return false }
            switch (member.kind, members[key]!) {  // the last occurrence, as the index resolves it
            case (.string, .string(let s)): if object.string(member) != s { return false }
            case (.integer, .number(let n)): if Double(object.integer(of: member)!) != n { return false }
            case (.literal, .null): if !object.isNull(member) { return false }
            case (.literal, .bool(let b)):
                if object.isNull(member) || (object.bytes(of: member).first == UInt8(ascii: "t")) != b { return false }
            case (.object, .object(let nested)): if parent != nil || !agree(object, parent: member, nested) { return false }
            default: return false
            }
        }
        return true
    }

    /// Whether two indexes of one text find the same members (by the names `lookUp` knows).
    private static func agree(_ a: JSONFlatObject, parent: JSONFlatObject.Member?, _ b: JSONFlatObject) -> Bool {
        let names: [StaticString] = ["event", "sequenceNumber", "n", "t", "z", "media", "track", "chunk", "payload"]
        for name in names {
            let x = a.member(name), y = b.member(name)
            guard x?.kind == y?.kind else { return false }
            if let x, let y, x.kind != .object, !a.bytes(of: x).elementsEqual(b.bytes(of: y)) { return false }
            if let x, let y, x.kind == .object, !agree(a, parent: x, b, parent: y) { return false }
        }
        return true
    }

    private static func agree(_ a: JSONFlatObject, parent x: JSONFlatObject.Member, _ b: JSONFlatObject, parent y: JSONFlatObject.Member) -> Bool {
        let names: [StaticString] = ["track", "chunk", "payload"]
        for name in names {
            let p = a.member(name, in: x), q = b.member(name, in: y)
            guard p?.kind == q?.kind else { return false }
            if let p, let q, !a.bytes(of: p).elementsEqual(b.bytes(of: q)) { return false }
        }
        return true
    }

    /// The index looks members up by static names; the test's keys come from parsed text.
    private static func lookUp(_ object: JSONFlatObject, _ key: String, in parent: JSONFlatObject.Member?) -> JSONFlatObject.Member?? {
        let names: [StaticString] = ["event", "sequenceNumber", "n", "t", "z", "media", "track", "chunk", "payload"]
        for name in names where name.description == key {
            return .some(parent.map { object.member(name, in: $0) } ?? object.member(name))
        }
        return nil
    }
}
