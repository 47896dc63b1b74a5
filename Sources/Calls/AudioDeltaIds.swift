/// The ids the provider's audio deltas carry, as `String`s made once per item instead of once per
/// delta: an item's deltas, 20–100 ms each, all repeat the same `item_id` and `response_id`, so
/// the received bytes are compared with the last ones first.
struct AudioDeltaIds {
    private var item: String?
    private var response: String?

    /// `item_id` as a `String`: the last one when the bytes are the same.
    mutating func itemId(_ bytes: UnsafeRawBufferPointer?) -> String? { Self.reuse(bytes, &item) }

    /// `response_id` as a `String`: the last one when the bytes are the same.
    mutating func responseId(_ bytes: UnsafeRawBufferPointer?) -> String? { Self.reuse(bytes, &response) }

    private static func reuse(_ bytes: UnsafeRawBufferPointer?, _ last: inout String?) -> String? {
        guard let bytes else { return nil }
        if var known = last, known.withUTF8({ UnsafeRawBufferPointer($0).hasSameBytes(as: bytes) }) { return known }
        let made = String(decoding: bytes, as: UTF8.self)
        last = made
        return made
    }
}
