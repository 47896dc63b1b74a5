import HTTPClient
import Providers
import Calls
import Config
import Net
import Tools

/// Connects the managed-identity token source to libcurl (`Tools.HTTPClient`) on the loop.
enum ManagedIdentityWiring {
    static func tokenSource(_ identity: ProviderSettings.Identity, loop: EventLoop, options: HTTPClient.Options) -> AzureTokenSource {
        let http = HTTPClient(loop: loop, options: options)
        return AzureTokenSource(identity: identity) { url, headers, completion in
            http.send(HTTPClientRequest(method: "GET", url: url, headers: headers, timeoutMs: 5_000)) { result in
                switch result {
                case .success(let response):
                    completion(.success((response.status, response.body)))
                case .failure(let error):
                    completion(.failure(.init("could not reach the identity endpoint \(url.prefix { $0 != "?" }): \(error)")))
                }
            }
        }
    }
}
