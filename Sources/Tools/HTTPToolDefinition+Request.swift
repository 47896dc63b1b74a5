import HTTPClient
import JSON

extension HTTPToolDefinition {
    /// The request for validated `arguments`: the URL's placeholders filled and percent-encoded,
    /// the headers, and the body (`Content-Type: application/json` unless the file sets one).
    public func request(for arguments: JSONObject) -> HTTPClientRequest {
        var values: [String: String] = [:]
        for name in url.placeholders { values[name] = Self.text(of: arguments[name]) }
        var headers = self.headers
        func has(_ name: String) -> Bool { headers.contains { $0.0.lowercased() == name } }
        var bytes: [UInt8] = []
        switch body {
        case .absent:
            break
        case .arguments:
            bytes = Array(JSON.object(arguments).serialized().utf8)
        case .template(let template):
            bytes = Array((HTTPToolBodyTemplate.fill(template, with: arguments) ?? .null).serialized().utf8)
        }
        if body != .absent && !has("content-type") { headers.insert(("Content-Type", "application/json"), at: 0) }
        if !has("accept") { headers.insert(("Accept", "application/json"), at: 0) }
        return HTTPClientRequest(method: method, url: url.expand(values), headers: headers, body: bytes, timeoutMs: timeoutMs)
    }
}
