import JSON

/// One agent: who answers a number, with which persona, voice, model and tools. Read from a file
/// of `config/agents/` (`AgentConfig.load`); with no agent files, the environment makes the one
/// default agent, so nothing changes for existing users.
public struct AgentConfig: Sendable, Equatable {
    /// Turn detection for this agent's calls; nil fields keep the environment's.
    public struct TurnDetection: Sendable, Equatable {
        public var type: String?
        public var threshold: Double?
        public var silenceMs: Int?
        public var prefixMs: Int?
        public var eagerness: String?

        public init() {}
    }

    /// A person the call can be transferred to (the transfer issue; validated here).
    public struct TransferTarget: Sendable, Equatable {
        public var name: String
        public var description: String
        /// `+E.164` or `sip:…`.
        public var to: String
        public var whisper: Bool
        public var timeoutSeconds: Int
    }

    /// `name`: `^[a-z0-9_-]{1,64}$`; it travels in the call's signed stream parameters.
    public var name: String
    /// `default`: takes the calls no number or prefix routes elsewhere.
    public var isDefault = false
    /// `numbers`: the called numbers (`To`, E.164, exact) this agent answers.
    public var numbers: [String] = []
    /// `caller_prefixes`: callers (`From`) this agent answers, by E.164 prefix (`+46`, `+1415`),
    /// when no agent claims the called number.
    public var callerPrefixes: [String] = []
    /// `instructions`, or the text of `instructions_file` (relative to the agents directory).
    public var instructions: String?
    /// `greeting`: empty means the caller speaks first.
    public var greeting: String?
    /// `voice`.
    public var voice: String?
    /// `model`: the OpenAI model (Realtime or GPT-Live, whichever `VOICE_API` says) for this agent.
    public var model: String?
    /// `provider`: `openai` or `azure`, when this agent's calls go elsewhere than the environment's.
    public var provider: String?
    /// `deployments`: Azure deployments for this agent's calls, rotated on every configured
    /// endpoint (`AZURE_OPENAI_ENDPOINT(S)`) with its key.
    public var deployments: [String]?
    /// `tools`: the names of the tools this agent may use (built-in, HTTP, MCP); nil offers all.
    public var tools: [String]?
    /// `turn_detection`.
    public var turnDetection = TurnDetection()
    /// `transcription_language`: ISO-639-1 (`en`, `sv`), given to the caller's transcription.
    public var transcriptionLanguage: String?
    /// `max_call_seconds`: a minute before, the model is asked to wrap up; then the call ends.
    public var maxCallSeconds: Int?
    /// `record`: false keeps this agent's calls out of `RECORDINGS_DIR`.
    public var record = true
    /// `transfer`: the people this agent may transfer to.
    public var transfer: [TransferTarget] = []
    /// The file it came from, for messages.
    public var path = ""

    public init(name: String) {
        self.name = name
    }

    static let fields = ["name", "default", "numbers", "caller_prefixes", "instructions", "instructions_file", "greeting",
                         "voice", "model", "provider", "deployments", "tools", "turn_detection", "transcription_language", "max_call_seconds", "record", "transfer"]

    /// Reads one agent file. `readFile` reads `instructions_file` (a path relative to `directory`).
    public static func parse(_ file: JSONFile, directory: String, readFile: (String) -> String?) throws(JSONFileError) -> AgentConfig {
        let object = try file.object(known: fields)
        func fail(_ message: String) -> JSONFileError { JSONFileError(path: file.path, message: message) }
        func string(_ key: String) throws(JSONFileError) -> String? {
            guard let value = object[key] else { return nil }
            guard let text = value.stringValue else { throw fail("'\(key)' must be a string") }
            return text
        }
        func strings(_ key: String) throws(JSONFileError) -> [String]? {
            guard let value = object[key] else { return nil }
            guard let items = value.arrayValue, items.allSatisfy({ $0.stringValue != nil }) else {
                throw fail("'\(key)' must be an array of strings")
            }
            return items.compactMap(\.stringValue)
        }
        func integer(_ key: String, in range: ClosedRange<Int>, of object: JSONObject) throws(JSONFileError) -> Int? {
            guard let value = object[key] else { return nil }
            guard let number = value.intValue, range.contains(number) else {
                throw fail("'\(key)' must be an integer from \(range.lowerBound) to \(range.upperBound)")
            }
            return number
        }

        guard let name = try string("name"), isValidName(name) else {
            throw fail("'name' is required: lowercase letters, digits, '-' and '_', at most 64 (e.g. \"front-desk\")")
        }
        var agent = AgentConfig(name: name)
        agent.path = file.path
        if let value = object["default"] {
            guard let flag = value.boolValue else { throw fail("'default' must be true or false") }
            agent.isDefault = flag
        }
        agent.numbers = try strings("numbers") ?? []
        for number in agent.numbers where !isE164(number) {
            throw fail("'numbers' holds '\(number)', which is not E.164 (+, then 2 to 15 digits, e.g. +46701234567)")
        }
        agent.callerPrefixes = try strings("caller_prefixes") ?? []
        for prefix in agent.callerPrefixes where !(prefix.first == "+" && prefix.count >= 2 && prefix.count <= 16
                                                   && prefix.dropFirst().allSatisfy(\.isASCIIDigitCharacter)) {
            throw fail("'caller_prefixes' holds '\(prefix)': use + and 1 to 15 digits (e.g. +46)")
        }
        let instructions = try string("instructions")
        if let relative = try string("instructions_file") {
            guard instructions == nil else { throw fail("give 'instructions' or 'instructions_file', not both") }
            let path = relative.hasPrefix("/") ? relative : directory + "/" + relative
            guard let text = readFile(path) else { throw fail("'instructions_file' \(path) cannot be read") }
            agent.instructions = text.trimmingWhitespace()
        } else {
            agent.instructions = instructions
        }
        agent.greeting = try string("greeting")
        agent.voice = try string("voice")
        agent.model = try string("model")
        agent.provider = try string("provider")
        if let provider = agent.provider, provider != "openai" && provider != "azure" {
            throw fail("'provider' must be openai or azure")
        }
        agent.deployments = try strings("deployments")
        if let deployments = agent.deployments, deployments.isEmpty || deployments.contains(where: \.isEmpty) {
            throw fail("'deployments' must name at least one Azure deployment")
        }
        agent.tools = try strings("tools")
        agent.transcriptionLanguage = try string("transcription_language")
        if let language = agent.transcriptionLanguage,
           !(language.count == 2 && language.allSatisfy { $0.isASCII && $0.isLowercase }) {
            throw fail("'transcription_language' must be an ISO-639-1 code such as \"en\" or \"sv\"")
        }
        agent.maxCallSeconds = try integer("max_call_seconds", in: 60...86_400, of: object)
        if let value = object["record"] {
            guard let flag = value.boolValue else { throw fail("'record' must be true or false") }
            agent.record = flag
        }
        if let value = object["turn_detection"] {
            guard let turn = value.objectValue else { throw fail("'turn_detection' must be an object") }
            let known = ["type", "threshold", "silence_ms", "prefix_ms", "eagerness"]
            for key in turn.keys where !known.contains(key) {
                throw fail("unknown field 'turn_detection.\(key)'; known fields: \(known.joined(separator: ", "))")
            }
            if let type = turn["type"] {
                guard let text = type.stringValue, ["server_vad", "semantic_vad"].contains(text) else {
                    throw fail("'turn_detection.type' must be server_vad or semantic_vad")
                }
                agent.turnDetection.type = text
            }
            if let threshold = turn["threshold"] {
                guard let number = threshold.doubleValue, (0...1).contains(number) else { throw fail("'turn_detection.threshold' must be from 0 to 1") }
                agent.turnDetection.threshold = number
            }
            agent.turnDetection.silenceMs = try integer("silence_ms", in: 100...5_000, of: turn)
            agent.turnDetection.prefixMs = try integer("prefix_ms", in: 0...2_000, of: turn)
            if let eagerness = turn["eagerness"] {
                guard let text = eagerness.stringValue, ["low", "medium", "high", "auto"].contains(text) else {
                    throw fail("'turn_detection.eagerness' must be low, medium, high or auto")
                }
                agent.turnDetection.eagerness = text
            }
        }
        if let value = object["transfer"] {
            guard let items = value.arrayValue else { throw fail("'transfer' must be an array of targets") }
            let known = ["name", "description", "to", "whisper", "timeout_seconds"]
            for item in items {
                guard let target = item.objectValue else { throw fail("each 'transfer' target must be an object") }
                for key in target.keys where !known.contains(key) {
                    throw fail("unknown field 'transfer[].\(key)'; known fields: \(known.joined(separator: ", "))")
                }
                guard let name = target["name"]?.stringValue, isValidName(name) else { throw fail("each 'transfer' target needs a 'name' like \"billing\"") }
                guard let to = target["to"]?.stringValue, isE164(to) || to.hasPrefix("sip:") else {
                    throw fail("transfer target '\(name)': 'to' must be +E.164 or a sip: URI")
                }
                let timeout = try integer("timeout_seconds", in: 5...120, of: target) ?? 30
                agent.transfer.append(TransferTarget(name: name, description: target["description"]?.stringValue ?? "", to: to,
                                                     whisper: target["whisper"]?.boolValue ?? true, timeoutSeconds: timeout))
            }
        }
        return agent
    }

    /// Reads every `*.json` of `directory` (sorted by name); nil when the directory does not
    /// exist. Checks what no single file can: one name per agent, one agent per number, at most
    /// one default, and a default when there are several agents.
    public static func load(directory: String, list: (String) -> [String]?, readFile: (String) -> String?) throws(JSONFileError) -> [AgentConfig]? {
        guard let names = list(directory) else { return nil }
        var agents: [AgentConfig] = []
        for name in names.sorted() where name.hasSuffix(".json") {
            let path = directory + "/" + name
            guard let text = readFile(path) else { throw JSONFileError(path: path, message: "cannot be read") }
            agents.append(try parse(JSONFile(path: path, text: text), directory: directory, readFile: readFile))
        }
        guard !agents.isEmpty else { return nil }
        var seenNames: [String: String] = [:]
        var seenNumbers: [String: String] = [:]
        for agent in agents {
            if let other = seenNames[agent.name] {
                throw JSONFileError(path: agent.path, message: "the name '\(agent.name)' is also used by \(other); names must be unique")
            }
            seenNames[agent.name] = agent.path
            for number in agent.numbers {
                if let other = seenNumbers[number] {
                    throw JSONFileError(path: agent.path, message: "\(number) is also answered by agent '\(other)'; a number has one agent")
                }
                seenNumbers[number] = agent.name
            }
        }
        let defaults = agents.filter(\.isDefault)
        if defaults.count > 1 {
            throw JSONFileError(path: defaults[1].path, message: "agent '\(defaults[0].name)' is already the default; mark one agent \"default\": true")
        }
        if defaults.isEmpty, agents.count > 1 {
            throw JSONFileError(path: directory, message: "\(agents.count) agents and none is \"default\": true; mark the one that takes every other call")
        }
        return agents
    }

    /// Which agent takes a call to `to` from `from`: the agent of the called number, else the one
    /// with the longest caller prefix matching, else the default (or the only agent).
    public static func route(to: String?, from: String?, among agents: [AgentConfig]) -> AgentConfig? {
        if let to, let agent = agents.first(where: { $0.numbers.contains(to) }) { return agent }
        if let from {
            let matches = agents.flatMap { agent in agent.callerPrefixes.filter { from.hasPrefix($0) }.map { (agent, $0.count) } }
            if let best = matches.max(by: { $0.1 < $1.1 }) { return best.0 }
        }
        return agents.first(where: \.isDefault) ?? (agents.count == 1 ? agents[0] : nil)
    }

    static func isValidName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count)
            && name.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F || $0 == 0x2D }
    }

    /// `+`, then 2 to 15 digits, the first not 0 (ITU-T E.164 §6).
    static func isE164(_ text: String) -> Bool {
        let digits = text.dropFirst()
        return text.first == "+" && (2...15).contains(digits.count) && digits.first != "0" && digits.allSatisfy(\.isASCIIDigitCharacter)
    }
}
