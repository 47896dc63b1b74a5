import Config
import Realtime

/// Maps validated settings onto the provider endpoint and session options.
enum Wiring {
    static func endpoint(for settings: Settings) -> RealtimeEndpoint {
        switch settings.provider {
        case .openAI:
            return .openAI(apiKey: settings.openAIAPIKey ?? "", baseURL: settings.openAIBaseURL,
                           model: settings.openAIRealtimeModel)
        case .azure:
            return .azure(endpoint: settings.azureEndpoint ?? "", deployment: settings.azureDeployment ?? "",
                          apiKey: settings.azureAPIKey ?? "", apiVersion: settings.azureAPIVersion)
        case .local:
            return .local
        }
    }

    static func sessionOptions(for settings: Settings) -> RealtimeSessionOptions {
        var options = RealtimeSessionOptions(instructions: settings.instructions, provider: endpoint(for: settings).provider)
        options.voice = settings.voice
        return options
    }
}
