import Config

/// The agents of this process, each a `CallContext` of its own (persona, voice, tools, model,
/// limits), and which one takes a call. Replaced whole on `SIGHUP`: a call keeps the context it
/// started with, new calls get the new one. Confined to the serve loop's thread.
public final class Agents {
    /// Each agent's configuration, in file order.
    public let configs: [AgentConfig]
    private let contexts: [String: CallContext]

    /// The agents `configs`, each with its `context`.
    public init(_ agents: [(config: AgentConfig, context: CallContext)]) {
        configs = agents.map(\.config)
        var contexts: [String: CallContext] = [:]
        for (config, context) in agents { contexts[config.name] = context }
        self.contexts = contexts
    }

    /// The agent that takes a call to `to` from `from` (see `AgentConfig.route`).
    public func route(to: String?, from: String?) -> String? {
        AgentConfig.route(to: to, from: from, among: configs)?.name
    }

    /// The context of the agent named `name`.
    public func context(named name: String) -> CallContext? { contexts[name] }

    /// The default agent's name.
    public var defaultName: String? { AgentConfig.route(to: nil, from: nil, among: configs)?.name }

    /// `name (+4610…, +4620…)` per agent, for the `listening` line.
    public var summary: String {
        configs.map { agent in
            var routes = agent.numbers
            routes += agent.callerPrefixes.map { "from \($0)…" }
            if agent.isDefault || configs.count == 1 { routes.append("default") }
            return agent.name + (routes.isEmpty ? "" : " (\(routes.joined(separator: ", ")))")
        }.joined(separator: "; ")
    }
}

@available(*, unavailable)
extension Agents: Sendable {}
