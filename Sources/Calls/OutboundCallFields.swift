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
    /// Echoed back in the 201 answer and kept with the call (`override.metadata`); its keys are
    /// logged, its values are not.
    var metadata: JSONObject { override.metadata }

    /// At most this many metadata keys.
    static let maxMetadataKeys = 16
    /// At most this many bytes of metadata, serialized as JSON: identifiers, not documents
    /// (it is held in memory until the call's stream starts, and written to its transcript).
    static let maxMetadataBytes = 1024

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
            override.metadata = try Self.metadata(value)
        }
    }

    /// A flat object of at most `maxMetadataKeys` string, number or boolean values and
    /// `maxMetadataBytes` bytes of JSON.
    static func metadata(_ value: JSON) throws(Invalid) -> JSONObject {
        let limits = "at most \(maxMetadataKeys) keys with string, number or boolean values, \(maxMetadataBytes) bytes as JSON"
        guard let object = value.objectValue else {
            throw Invalid(description: "\"metadata\" must be an object (\(limits)), e.g. {\"ticket\": \"T-42\"}")
        }
        guard object.count <= maxMetadataKeys else {
            throw Invalid(description: "\"metadata\" has \(object.count) keys; at most \(maxMetadataKeys) are allowed — "
                + "keep the identifiers the call needs (a ticket or customer number) and look the rest up")
        }
        for (key, member) in object {
            switch member {
            case .string, .number, .bool:
                continue
            case .null, .array, .object:
                throw Invalid(description: "\"metadata\".\"\(key)\" must be a string, number or boolean (\(limits)) — "
                    + "flatten it, e.g. {\"customer_id\": \"C-7\"}")
            }
        }
        let bytes = JSON.object(object).serialized().utf8.count
        guard bytes <= maxMetadataBytes else {
            throw Invalid(description: "\"metadata\" is \(bytes) bytes as JSON; at most \(maxMetadataBytes) are allowed — "
                + "keep identifiers there, not documents")
        }
        return object
    }
}
