import Calls
import Config
import Net

/// Connects the managed-identity token source to an HTTP client on the loop.
enum ManagedIdentityWiring {
    static func tokenSource(_ identity: ProviderSettings.Identity, loop: EventLoop) -> AzureTokenSource {
        AzureTokenSource.plainHTTP(identity: identity, loop: loop)
    }
}
