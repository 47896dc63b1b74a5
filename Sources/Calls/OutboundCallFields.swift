import JSON

/// The body of `POST /calls`: `{"to": "+46…", "from"?: "+46…", "instructions"?: "…",
/// "greeting"?: "…", "metadata"?: {…}}`.
struct OutboundCallFields {
    /// Why a body was refused, for the 400 answer.
    struct Invalid: Error, CustomStringConvertible {
        let description: String
    }

    var to: String
    var from: String?
    var override: CallOverride
    /// Echoed back in the 201 answer; its keys are logged, its values are not.
    var metadata: JSONObject

    init(json body: [UInt8]) throws(Invalid) {
        guard let json = try? JSON.parse(body), json.objectValue != nil else {
            throw Invalid(description: "the body must be a JSON object, e.g. {\"to\": \"+46701234567\"}")
        }
        func string(_ name: String) throws(Invalid) -> String? {
            guard let value = json[name], !value.isNull else { return nil }
            guard let text = value.stringValue else { throw Invalid(description: "\"\(name)\" must be a string") }
            return text
        }
        guard let to = try string("to"), !to.isEmpty else {
            throw Invalid(description: "\"to\" is required: the number to call in E.164, e.g. +46701234567")
        }
        self.to = to
        from = try string("from")
        override = CallOverride(instructions: try string("instructions"), greeting: try string("greeting"))
        if let value = json["metadata"], !value.isNull {
            guard let object = value.objectValue else { throw Invalid(description: "\"metadata\" must be an object") }
            metadata = object
        } else {
            metadata = JSONObject()
        }
    }
}
