import CCurl
import Config

/// The one owner of a libcurl easy handle (`CURL*`) and of everything libcurl keeps pointers
/// to while it runs: the header list, the error buffer and the response body.
///
/// It is configured once, handed to a `CurlMulti`, and freed by `deinit` — after the multi
/// handle has let go of it. libcurl calls `receive` through a C callback with `self` passed as
/// an unretained pointer; the multi keeps the object alive while the transfer runs.
final class CurlEasy {
    /// The `CURL*`.
    let handle: UnsafeMutableRawPointer
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private var proxyHeaderList: UnsafeMutablePointer<curl_slist>?
    private let errorBuffer: UnsafeMutablePointer<CChar>
    /// The response body received so far.
    private(set) var body: [UInt8] = []
    /// Larger bodies abort the transfer (the write callback refuses them).
    let maxBodyBytes: Int
    /// Set when the transfer was aborted because the body grew past `maxBodyBytes`.
    private(set) var bodyTooLarge = false
    /// The final response's header fields, names lower-cased; a repeated field's values joined
    /// with `, ` (RFC 9110 §5.3). Reset at each status line, so an interim `100 Continue` or a
    /// proxy's `CONNECT` answer leaves nothing behind.
    private(set) var headers: [String: String] = [:]
    /// Header bytes kept at most: a server cannot grow this without bound.
    private static let maxHeaderBytes = 64 * 1024
    private var headerBytes = 0

    /// Creates and configures a handle for `request`; `trust` names the CA store to verify with,
    /// `proxy` the proxy `https://` requests go through (nil: libcurl's defaults).
    ///
    /// - Throws: `HTTPClientError` (`invalidURL`) for a URL libcurl or the loopback rule refuses,
    ///   or when libcurl rejects an option.
    init(_ request: HTTPClientRequest, trust: HTTPClient.Trust, proxy: ProxySettings?, maxBodyBytes: Int,
         userAgent: String) throws(HTTPClientError) {
        CurlGlobal.ensure()
        let url = try HTTPClientURL(request.url)
        guard let handle = curl_easy_init() else {
            throw HTTPClientError(.transport, "curl_easy_init failed (out of memory)")
        }
        self.handle = handle
        self.maxBodyBytes = maxBodyBytes
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        try configure(request, trust: trust, userAgent: userAgent)
        try configure(HTTPClientProxy(url: url, settings: proxy))
    }

    deinit {
        curl_easy_cleanup(handle)
        curl_slist_free_all(headerList)
        curl_slist_free_all(proxyHeaderList)
        errorBuffer.deallocate()
    }

    /// The HTTP status of the response, 0 when none arrived.
    var status: Int {
        var code = 0
        _ = vb_curl_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &code)
        return code
    }

    /// libcurl's detailed message for the last failure, or its generic text for `code`.
    func message(for code: CURLcode) -> String {
        let detail = String(cString: errorBuffer)
        return detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
    }

    // MARK: Configuration

    private func configure(_ request: HTTPClientRequest, trust: HTTPClient.Trust, userAgent: String) throws(HTTPClientError) {
        try set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(errorBuffer))
        try set(CURLOPT_URL, request.url)
        // Only http(s), no redirects: a redirect could carry the Authorization header elsewhere.
        try set(CURLOPT_PROTOCOLS_STR, "http,https")
        try set(CURLOPT_FOLLOWLOCATION, 0)
        // Signals are process-wide; a library on the audio process must not use them for timeouts.
        try set(CURLOPT_NOSIGNAL, 1)
        try set(CURLOPT_TIMEOUT_MS, max(1, request.timeoutMs))
        try set(CURLOPT_USERAGENT, userAgent)
        try set(CURLOPT_ACCEPT_ENCODING, "")  // every encoding this libcurl decodes
        try set(CURLOPT_MAXFILESIZE, maxBodyBytes)
        if let file = trust.caFile { try set(CURLOPT_CAINFO, file) }
        if let directory = trust.caDirectory { try set(CURLOPT_CAPATH, directory) }

        // PUT, PATCH and DELETE are a custom method name over POST's body handling, so their
        // body is sent too (CURLOPT_CUSTOMREQUEST alone sends none).
        if request.method != "GET" && request.method != "POST" {
            try set(CURLOPT_CUSTOMREQUEST, request.method)
        }
        if request.method == "POST" || (request.method != "GET" && !request.body.isEmpty) {
            try set(CURLOPT_POST, 1)
            // Size first, so a body holding NUL bytes is copied whole.
            try set(CURLOPT_POSTFIELDSIZE, request.body.count)
            if request.body.isEmpty {
                try set(CURLOPT_COPYPOSTFIELDS, "")
            } else {
                let code = request.body.withUnsafeBytes { bytes in
                    vb_curl_easy_setopt_ptr(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress))
                }
                try check(code, "CURLOPT_COPYPOSTFIELDS")
            }
        }

        // An empty "Expect:" stops libcurl from waiting for `100 Continue` before a larger body.
        for line in request.headers.map({ "\($0.0): \($0.1)" }) + ["Expect:"] {
            guard let appended = curl_slist_append(headerList, line) else {
                throw HTTPClientError(.transport, "curl_slist_append failed (out of memory)")
            }
            headerList = appended
        }
        try set(CURLOPT_HTTPHEADER, pointer: UnsafeMutableRawPointer(headerList))

        try check(vb_curl_easy_setopt_write_function(handle, curlWriteCallback), "CURLOPT_WRITEFUNCTION")
        try set(CURLOPT_WRITEDATA, pointer: Unmanaged.passUnretained(self).toOpaque())
        try check(vb_curl_easy_setopt_header_function(handle, curlHeaderCallback), "CURLOPT_HEADERFUNCTION")
        try set(CURLOPT_HEADERDATA, pointer: Unmanaged.passUnretained(self).toOpaque())
    }

    private func configure(_ route: HTTPClientProxy) throws(HTTPClientError) {
        switch route {
        case .libcurlDefault:
            break
        case .direct:
            try set(CURLOPT_PROXY, "")  // "" = no proxy, whatever the environment says
        case .proxy(let url, let authorization):
            try set(CURLOPT_PROXY, url)
            try set(CURLOPT_PROXYTYPE, Int(CURLPROXY_HTTP.rawValue))
            // Request headers (Authorization: Bearer …) go to the server only, never in CONNECT.
            try set(CURLOPT_HEADEROPT, Int(CURLHEADER_SEPARATE))
            if let authorization {
                // The header the realtime tunnel sends too; the URL given to libcurl stays
                // free of credentials, so none of its messages can show them.
                guard let list = curl_slist_append(nil, "Proxy-Authorization: \(authorization)") else {
                    throw HTTPClientError(.transport, "curl_slist_append failed (out of memory)")
                }
                proxyHeaderList = list
                try set(CURLOPT_PROXYHEADER, pointer: UnsafeMutableRawPointer(list))
            }
        }
    }

    private func set(_ option: CURLoption, _ value: Int) throws(HTTPClientError) {
        try check(vb_curl_easy_setopt_long(handle, option, value), "option \(option.rawValue)")
    }

    private func set(_ option: CURLoption, _ value: String) throws(HTTPClientError) {
        // libcurl copies string options (since 7.17), so a temporary C string is enough.
        try check(vb_curl_easy_setopt_str(handle, option, value), "option \(option.rawValue)")
    }

    private func set(_ option: CURLoption, pointer: UnsafeMutableRawPointer?) throws(HTTPClientError) {
        try check(vb_curl_easy_setopt_ptr(handle, option, pointer), "option \(option.rawValue)")
    }

    private func check(_ code: CURLcode, _ what: String) throws(HTTPClientError) {
        guard code == CURLE_OK else {
            let kind: HTTPClientError.Kind = code == CURLE_URL_MALFORMAT || code == CURLE_UNSUPPORTED_PROTOCOL ? .invalidURL : .transport
            throw HTTPClientError(kind, "libcurl refused \(what): \(String(cString: curl_easy_strerror(code)))")
        }
    }

    // MARK: Receiving

    /// Appends body bytes; returns how many were taken (fewer aborts the transfer).
    fileprivate func receive(_ data: UnsafeRawBufferPointer) -> Int {
        guard body.count + data.count <= maxBodyBytes else {
            bodyTooLarge = true
            return 0
        }
        body.append(contentsOf: data)
        return data.count
    }
}

extension CurlEasy {
    /// Takes one header line (libcurl hands them whole, with their CRLF); returns how many bytes
    /// were taken (fewer aborts the transfer).
    fileprivate func receiveHeader(_ data: UnsafeRawBufferPointer) -> Int {
        let line = String(decoding: data, as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            headers = [:]
            headerBytes = 0
            return data.count
        }
        headerBytes += data.count
        guard headerBytes <= Self.maxHeaderBytes else { return 0 }
        guard let colon = line.firstIndex(of: ":") else { return data.count }  // the blank line
        let name = line[..<colon].lowercased()
        let value = line[line.index(after: colon)...].trimmingSpacesAndLineEnds()
        headers[name] = headers[name].map { $0 + ", " + value } ?? value
        return data.count
    }
}

extension Substring {
    /// The text without leading and trailing spaces, tabs, CR and LF (a header value, RFC 9110 §5.5).
    fileprivate func trimmingSpacesAndLineEnds() -> String {
        let isPadding: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }
        guard let first = firstIndex(where: { !isPadding($0) }), let last = lastIndex(where: { !isPadding($0) }) else { return "" }
        return String(self[first...last])
    }
}

/// libcurl's header callback: `userdata` is the `CurlEasy`, kept alive by its `CurlMulti`.
private func curlHeaderCallback(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int,
                                _ userdata: UnsafeMutableRawPointer?) -> Int {
    guard let userdata, let data else { return 0 }
    let easy = Unmanaged<CurlEasy>.fromOpaque(userdata).takeUnretainedValue()
    return easy.receiveHeader(UnsafeRawBufferPointer(start: data, count: size * count))
}

/// libcurl's write callback: `userdata` is the `CurlEasy`, kept alive by its `CurlMulti`.
private func curlWriteCallback(_ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int,
                               _ userdata: UnsafeMutableRawPointer?) -> Int {
    guard let userdata, let data else { return 0 }
    let easy = Unmanaged<CurlEasy>.fromOpaque(userdata).takeUnretainedValue()
    return easy.receive(UnsafeRawBufferPointer(start: data, count: size * count))
}
