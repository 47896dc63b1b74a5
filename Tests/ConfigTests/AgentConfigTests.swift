import JSON
import Testing
@testable import Config

/// Agent files: every field, the errors that name the file and field, and which agent takes a call.
@Suite struct AgentConfigTests {
    static func parse(_ text: String, files: [String: String] = [:]) throws -> AgentConfig {
        try AgentConfig.parse(JSONFile(path: "config/agents/a.json", text: text), directory: "config/agents",
                              readFile: { files[$0] })
    }

    static func load(_ files: [String: String]) throws -> [AgentConfig]? {
        try AgentConfig.load(directory: "config/agents", list: { _ in Array(files.keys.map { String($0.dropFirst("config/agents/".count)) }) },
                             readFile: { files[$0] })
    }

    @Test func everyField_isRead() throws {
        let agent = try Self.parse("""
            {"name": "front-desk", "default": true, "numbers": ["+4610000001"], "caller_prefixes": ["+46"],
             "instructions_file": "front-desk.md", "greeting": "Clinic, how can I help?", "voice": "cedar",
             "model": "gpt-realtime-2.1-mini", "tools": ["hang_up"], "transcription_language": "sv",
             "turn_detection": {"type": "server_vad", "threshold": 0.7, "silence_ms": 700, "prefix_ms": 200},
             "max_call_seconds": 600,
             "transfer": [{"name": "nurse", "description": "a nurse", "to": "+4610000009", "whisper": false}]}
            """, files: ["config/agents/front-desk.md": "  Be kind.\n"])
        #expect(agent.name == "front-desk" && agent.isDefault && agent.numbers == ["+4610000001"] && agent.callerPrefixes == ["+46"])
        #expect(agent.instructions == "Be kind." && agent.greeting == "Clinic, how can I help?" && agent.voice == "cedar")
        #expect(agent.model == "gpt-realtime-2.1-mini" && agent.tools == ["hang_up"] && agent.transcriptionLanguage == "sv")
        #expect(agent.turnDetection.threshold == 0.7 && agent.turnDetection.silenceMs == 700 && agent.turnDetection.prefixMs == 200)
        #expect(agent.maxCallSeconds == 600)
        #expect(agent.transfer.map(\.name) == ["nurse"] && agent.transfer[0].timeoutSeconds == 30 && !agent.transfer[0].whisper)
    }

    @Test(arguments: [
        (#"{"name":"x","greting":"hi"}"#, "unknown field 'greting'; known fields: name, default"),
        (#"{"greeting":"hi"}"#, "'name' is required"),
        (#"{"name":"Sales"}"#, "'name' is required"),
        (#"{"name":"x","numbers":["0701234567"]}"#, "'numbers' holds '0701234567', which is not E.164"),
        (#"{"name":"x","caller_prefixes":["46"]}"#, "'caller_prefixes' holds '46'"),
        (#"{"name":"x","instructions":"a","instructions_file":"b.md"}"#, "not both"),
        (#"{"name":"x","instructions_file":"missing.md"}"#, "config/agents/missing.md cannot be read"),
        (#"{"name":"x","max_call_seconds":5}"#, "'max_call_seconds' must be an integer from 60 to 86400"),
        (#"{"name":"x","turn_detection":{"silence":5}}"#, "unknown field 'turn_detection.silence'"),
        (#"{"name":"x","transcription_language":"swedish"}"#, "ISO-639-1"),
        (#"{"name":"x","transfer":[{"name":"a","to":"12"}]}"#, "'to' must be +E.164 or a sip: URI"),
        (#"{"name":"x","provider":"aws"}"#, "'provider' must be openai or azure"),
        (#"{"name":"x","deployments":[]}"#, "'deployments' must name at least one Azure deployment"),
    ])
    func errors_nameTheFileAndTheField(text: String, message: String) {
        let error = #expect(throws: JSONFileError.self) { try Self.parse(text) }
        #expect(error?.path == "config/agents/a.json")
        #expect(error?.message.contains(message) == true, "\(String(describing: error?.message))")
    }

    @Test func aDirectory_needsUniqueNamesAndNumbers_andOneDefault() throws {
        #expect(try Self.load([:]) == nil, "no files: the environment's agent")
        let one = try #require(try Self.load(["config/agents/a.json": #"{"name":"only"}"#]))
        #expect(one.map(\.name) == ["only"])
        let sales = #"{"name":"sales","numbers":["+4610000001"]}"#
        let error = #expect(throws: JSONFileError.self) {
            try Self.load(["config/agents/a.json": sales, "config/agents/b.json": #"{"name":"support","default":true,"numbers":["+4610000001"]}"#])
        }
        #expect(error?.message.contains("+4610000001 is also answered by agent 'sales'") == true)
        #expect(throws: JSONFileError.self) { try Self.load(["config/agents/a.json": sales, "config/agents/b.json": #"{"name":"support"}"#]) }
        #expect(throws: JSONFileError.self) {
            try Self.load(["config/agents/a.json": #"{"name":"a","default":true}"#, "config/agents/b.json": #"{"name":"b","default":true}"#])
        }
        #expect(throws: JSONFileError.self) { try Self.load(["config/agents/a.json": "{\"name\": \"a\",\n}"]) }
    }

    @Test func routing_byCalledNumber_thenLongestCallerPrefix_thenTheDefault() throws {
        let agents = try #require(try Self.load([
            "config/agents/a.json": #"{"name":"reminders","numbers":["+4610000002"]}"#,
            "config/agents/b.json": #"{"name":"front-desk","default":true,"numbers":["+4610000001"]}"#,
            "config/agents/c.json": #"{"name":"nordics","caller_prefixes":["+46","+47"]}"#,
            "config/agents/d.json": #"{"name":"stockholm","caller_prefixes":["+468"]}"#,
        ]))
        #expect(AgentConfig.route(to: "+4610000002", from: "+4681234567", among: agents)?.name == "reminders")
        #expect(AgentConfig.route(to: "+4699999999", from: "+4681234567", among: agents)?.name == "stockholm")
        #expect(AgentConfig.route(to: "+4699999999", from: "+4791234567", among: agents)?.name == "nordics")
        #expect(AgentConfig.route(to: "+4699999999", from: "+15551234567", among: agents)?.name == "front-desk")
        #expect(AgentConfig.route(to: nil, from: nil, among: agents)?.name == "front-desk")
    }
}
