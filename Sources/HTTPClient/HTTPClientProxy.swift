import Config

/// How one `HTTPClient` request reaches its host: through the configured proxy, or directly.
///
/// libcurl reads `HTTPS_PROXY`/`NO_PROXY` only from the process environment, while the realtime
/// socket's CONNECT tunnel takes them from `Settings`, which also reads `.env`. So the client is
/// given the same `ProxySettings` and decides with the same rule (`ProxySettings.applies(to:)`,
/// not libcurl's own `NO_PROXY` matcher): both paths then use one proxy, however it was set.
enum HTTPClientProxy: Equatable {
    /// Leave libcurl's defaults: no proxy was configured, or the URL is `http://` (loopback
    /// only), which `HTTPS_PROXY` does not cover.
    case libcurlDefault
    /// Connect directly: `NO_PROXY` names the host. Also overrides any proxy in the environment.
    case direct
    /// Tunnel through `url` (no credentials in it), sending `authorization` as
    /// `Proxy-Authorization` to the proxy only.
    case proxy(url: String, authorization: String?)

    /// The route for `url` under `settings`.
    init(url: HTTPClientURL, settings: ProxySettings?) {
        guard let settings, url.scheme == "https" else {
            self = .libcurlDefault
            return
        }
        guard settings.applies(to: url.host) else {
            self = .direct
            return
        }
        let host = settings.host.contains(":") ? "[\(settings.host)]" : settings.host
        self = .proxy(url: "http://\(host):\(settings.port)", authorization: settings.authorization)
    }
}
