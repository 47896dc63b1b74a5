/// What a person should check when a provider refuses a handshake, by HTTP status: named for
/// the provider's own variables (`AZURE_OPENAI_…`, `OPENAI_…`). Used by logs and `check` alike.
public enum ProviderHint {
    /// The hint for a refused handshake with `status`.
    public static func forStatus(_ status: Int, provider: String) -> String {
        let azure = provider == "azure"
        switch status {
        case 401: return azure ? "check AZURE_OPENAI_API_KEY, and that AZURE_API_VERSION is unset for the GA URL" : "check OPENAI_API_KEY"
        case 403: return azure ? "the key has no access to this resource; check AZURE_OPENAI_ENDPOINT and network rules" : "the key has no access to realtime models"
        case 404: return azure ? "AZURE_OPENAI_DEPLOYMENT must be the deployment name shown in the portal (Deployments), not the model name, on AZURE_OPENAI_ENDPOINT" : "check OPENAI_REALTIME_MODEL and OPENAI_BASE_URL"
        case 429: return "quota or rate limit reached; retry later or raise the quota"
        case 400: return azure ? "the deployment may not be a realtime model, or AZURE_API_VERSION is wrong" : "check OPENAI_REALTIME_MODEL is a realtime model"
        default: return status >= 500 ? "the provider had a server error; retry" : "see the body"
        }
    }
}
