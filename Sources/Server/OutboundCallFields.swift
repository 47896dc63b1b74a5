import Calls
import JSON

/// The body of `POST /calls`: `{"to": "+46…", "from"?: "+46…", "agent"?: "sales",
/// "instructions"?: "…", "greeting"?: "…", "metadata"?: {…}}`. `to` and `from` must be forms Twilio's Calls API
/// documents (see `Address`), so nothing else reaches the form posted to Twilio.
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
        guard let to = try string("to")?.trimmed(of: [" ", "\t"]), !to.isEmpty else {
            throw Invalid(description: "\"to\" is required: the number to call in E.164, e.g. +46701234567")
        }
        if let refusal = Address.refusal(to, field: "\"to\"", allowsSIP: true) { throw Invalid(description: refusal) }
        self.to = to
        from = try string("from")?.trimmed(of: [" ", "\t"])
        if let from, let refusal = Address.refusal(from, field: "\"from\"", allowsSIP: false) {
            throw Invalid(description: refusal)
        }
        override = CallOverride(instructions: try string("instructions"), greeting: try string("greeting"), agent: try string("agent"))
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

extension OutboundCallFields {
    /// The forms of `To` and `From` that Twilio's Calls API documents, checked before anything
    /// is sent: an E.164 number, a SIP URI (`To` only) or a Twilio Client identity. Anything else
    /// (a line break that would smuggle a field, an arbitrary scheme) is refused here, with a
    /// message that quotes at most `maxEchoedCharacters` of it, escaped.
    enum Address {
        /// E.164: `+`, then 2 to 15 digits, the first not 0 (ITU-T E.164 §6).
        static let maxE164Digits = 15
        /// The longest `sip:` URI accepted, counted in bytes.
        static let maxSIPLength = 256
        /// The longest name after `client:` (Twilio Client identities).
        static let maxClientNameLength = 121
        /// How much of a refused value its message quotes.
        static let maxEchoedCharacters = 40

        /// Why `value` is not an acceptable `To` (`allowsSIP`) or `From`, naming it `field`; nil
        /// when it is acceptable.
        static func refusal(_ value: String, field: String, allowsSIP: Bool) -> String? {
            let bytes = Array(value.utf8)
            if isE164(bytes) || isClient(bytes) || (allowsSIP && isSIP(bytes)) { return nil }
            let number = "a phone number in E.164 (+ then 2 to \(maxE164Digits) digits, the first not 0, e.g. +46701234567)"
            let client = "a Twilio Client identity (client: then 1 to \(maxClientNameLength) of A-Z a-z 0-9 _ . -)"
            let forms = allowsSIP
                ? "\(number), a SIP URI (sip:user@host, optionally ;transport=tls, at most \(maxSIPLength) characters "
                    + "of visible ASCII without <>\") or \(client)"
                : "\(number) — a Twilio number of the account or a verified caller ID — or \(client)"
            return "\(field) must be \(forms); got \(excerpt(value))"
        }

        /// `+[1-9][0-9]{1,14}`.
        static func isE164(_ bytes: [UInt8]) -> Bool {
            guard bytes.count >= 3, bytes.count <= maxE164Digits + 1, bytes[0] == UInt8(ascii: "+"),
                  bytes[1] != UInt8(ascii: "0") else { return false }
            return bytes.dropFirst().allSatisfy(isDigit)
        }

        /// `sip:user@host[;param…]`: visible ASCII only (no space, control character, `<`, `>` or
        /// `"`, which could end the URI where Twilio or a SIP peer reads it), one `@` before any
        /// `;`, with something on both sides; at most `maxSIPLength` bytes in all.
        static func isSIP(_ bytes: [UInt8]) -> Bool {
            let scheme = Array("sip:".utf8)
            guard bytes.count <= maxSIPLength, bytes.starts(with: scheme) else { return false }
            let rest = bytes.dropFirst(scheme.count)
            guard rest.allSatisfy({ (0x21...0x7E).contains($0) && !"<>\"".utf8.contains($0) }) else { return false }
            let address = rest.prefix { $0 != UInt8(ascii: ";") }
            let parts = address.split(separator: UInt8(ascii: "@"), omittingEmptySubsequences: false)
            return parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty
        }

        /// `client:[A-Za-z0-9_.-]{1,121}`.
        static func isClient(_ bytes: [UInt8]) -> Bool {
            let scheme = Array("client:".utf8)
            guard bytes.starts(with: scheme) else { return false }
            let name = bytes.dropFirst(scheme.count)
            return (1...maxClientNameLength).contains(name.count) && name.allSatisfy { byte in
                isDigit(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                    || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || "_.-".utf8.contains(byte)
            }
        }

        /// `value` quoted for a message: at most `maxEchoedCharacters`, with anything but
        /// printable ASCII escaped, so a refused value cannot break a log line or a terminal.
        static func excerpt(_ value: String) -> String {
            var quoted = ""
            for (index, scalar) in value.unicodeScalars.enumerated() {
                if index == maxEchoedCharacters {
                    return "'\(quoted)…' (\(value.unicodeScalars.count) characters)"
                }
                switch scalar {
                case "\n": quoted += "\\n"
                case "\r": quoted += "\\r"
                case "\t": quoted += "\\t"
                case "\\", "'": quoted += "\\" + String(scalar)
                case " "..."~": quoted.unicodeScalars.append(scalar)
                default: quoted += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
                }
            }
            return "'\(quoted)'"
        }

        private static func isDigit(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
    }
}
