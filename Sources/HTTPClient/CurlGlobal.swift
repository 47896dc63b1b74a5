import CCurl

/// libcurl's process-wide initialisation, done exactly once.
///
/// `curl_global_init` must run before any other libcurl call and not concurrently with one; a
/// Swift global is initialised lazily under `swift_once`, which gives exactly that.
enum CurlGlobal {
    /// The result of `curl_global_init(CURL_GLOBAL_DEFAULT)`; touching it performs the init.
    static let initialized: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

    /// Initialises libcurl if that has not happened yet; traps if libcurl cannot start, which
    /// only happens when the process is out of memory or the library is broken.
    static func ensure() {
        precondition(initialized == CURLE_OK, "curl_global_init failed: \(String(cString: curl_easy_strerror(initialized)))")
    }
}
