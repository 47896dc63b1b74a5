import Base64
import CSSL

/// Signs webhook deliveries as the Standard Webhooks specification says
/// (https://www.standardwebhooks.com, "Signature scheme"): `webhook-signature: v1,<base64>` of
/// HMAC-SHA256 over `{webhook-id}.{webhook-timestamp}.{body}`, keyed with the secret's decoded bytes.
///
/// Pure: the same id, timestamp and body give the same headers.
public struct StandardWebhookSigner: Sendable {
    private let key: [UInt8]

    /// A signer keyed with `key`: the base64-decoded part of a `whsec_…` secret.
    public init(key: [UInt8]) {
        self.key = key
    }

    /// `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`.
    public func signature(id: String, timestamp: Int64, body: [UInt8]) -> String {
        // Spec: "the content to sign is composed by concatenating the id, timestamp and payload,
        // separated by the full-stop character".
        let message = Array("\(id).\(timestamp).".utf8) + body
        return "v1," + Base64.encode(Self.hmacSHA256(key: key, message: message))
    }

    /// The three headers of one delivery attempt: `webhook-id`, `webhook-timestamp` (Unix
    /// seconds) and `webhook-signature`.
    public func headers(id: String, timestamp: Int64, body: [UInt8]) -> [(String, String)] {
        [("webhook-id", id), ("webhook-timestamp", String(timestamp)),
         ("webhook-signature", signature(id: id, timestamp: timestamp, body: body))]
    }

    static func hmacSHA256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        key.withUnsafeBufferPointer { k in
            message.withUnsafeBufferPointer { m in
                output.withUnsafeMutableBufferPointer { o in
                    _ = HMAC(EVP_sha256(), k.baseAddress, Int32(k.count), m.baseAddress, m.count, o.baseAddress, &length)
                }
            }
        }
        return Array(output.prefix(Int(length)))
    }
}
