import Testing
import JSON

@Suite("JSONObject")
struct JSONObjectTests {
    @Test func object_keepsInsertionOrder() {
        let object: JSONObject = ["type": "session.update", "session": [:], "event_id": "e1"]
        #expect(object.keys == ["type", "session", "event_id"])
        #expect(object.map(\.key) == ["type", "session", "event_id"])
        #expect(JSONObject([("b", 1), ("a", 2)]).keys == ["b", "a"])
    }

    @Test func subscriptSet_replacesInPlaceAppendsAndRemoves() {
        var object: JSONObject = ["a": 1, "b": 2]
        object["a"] = "one"
        object["c"] = 3
        #expect(object.keys == ["a", "b", "c"])
        #expect(object["a"] == "one")
        object["b"] = nil
        #expect(object.keys == ["a", "c"])
        #expect(object["b"] == nil)
        #expect(object.count == 2)
    }

    @Test func duplicateNames_lookupSeesTheLast() throws {
        let value = try JSON.parse(#"{"a":1,"a":2}"#)
        let object = try #require(value.objectValue)
        #expect(object.count == 2)
        #expect(object["a"] == 2)
        #expect(value.serialized() == #"{"a":1,"a":2}"#)
    }

    @Test func equality_ignoresMemberOrder() {
        let left: JSONObject = ["a": 1, "b": [1, 2]]
        let right: JSONObject = ["b": [1, 2], "a": 1]
        #expect(left == right)
        #expect(left != ["a": 1, "b": [2, 1]])
        #expect(left != ["a": 1])
        #expect(JSONObject([("a", 1)]) != ["a": 1, "b": nil])
    }

    @Test func accessors_returnNilForOtherKinds() {
        let value: JSON = ["n": 1.5, "i": 3, "s": "x", "b": true, "z": nil, "a": [1]]
        #expect(value["n"]?.intValue == nil)
        #expect(value["n"]?.doubleValue == 1.5)
        #expect(value["i"]?.intValue == 3)
        #expect(value["s"]?.intValue == nil)
        #expect(value["s"]?.stringValue == "x")
        #expect(value["b"]?.boolValue == true)
        #expect(value["z"]?.isNull == true)
        #expect(value["a"]?[0] == 1)
        #expect(value["a"]?[1] == nil)
        #expect(value["a"]?[-1] == nil)
        #expect(value["missing"] == nil)
        #expect(value[0] == nil)
        #expect(JSON.string("x")["key"] == nil)
        #expect(JSON.number(1e300).intValue == nil)
    }
}
