import Testing
import JSON
import Live

/// Every client event, parsed back with our JSON and compared member by member with the SDK's
/// models (`openai/types/live/*_event.py`, `session_config.py`).
@Suite("LiveClientEvent")
struct LiveClientEventTests {
    static let realtimeTool: JSON = [
        "type": "function",
        "name": "web_search",
        "description": "Search the web.",
        "parameters": ["type": "object", "properties": ["query": ["type": "string"]], "required": ["query"]],
    ]

    private func parse(_ text: String) throws -> JSON {
        try JSON.parse(text)
    }

    @Test func sessionStart_minimal_isModelFormatAndStore() throws {
        let event = try parse(LiveClientEvent.sessionStart(LiveSessionConfig(model: "gpt-live-1")))
        #expect(event.objectValue?.keys == ["type", "session"])
        #expect(event["type"] == "session.start")
        let session = try #require(event["session"])
        #expect(session == ["model": "gpt-live-1", "audio": ["format": ["type": "audio/pcmu", "rate": 8000]], "store": false])
        #expect(session.objectValue?.keys == ["model", "audio", "store"])
    }

    @Test func sessionStart_withoutFormatOrVoice_omitsAudio() throws {
        let config = LiveSessionConfig(model: "gpt-live-1", format: nil)
        let session = try #require(try parse(LiveClientEvent.sessionStart(config))["session"])
        #expect(session["audio"] == nil)
        #expect(session.objectValue?.keys == ["model", "store"])
    }

    @Test func sessionStart_full_matchesGPTLiveMdSection3() throws {
        let config = LiveSessionConfig(
            model: "gpt-live-1",
            instructions: "Short voice instructions.",
            format: .pcm24000,
            voice: "marin",
            delegation: .responses(model: "gpt-5.5", instructions: "Backend prompt.", tools: [Self.realtimeTool, ["type": "web_search"]],
                                   toolChoice: "auto", parallelToolCalls: true, reasoningEffort: "low"),
            input: [LiveInputMessage(role: .developer, text: "Caller is +15550100."),
                    LiveInputMessage(role: .user, text: "Hi."),
                    LiveInputMessage(role: .assistant, text: "Hello!")]
        )
        let event = try parse(LiveClientEvent.sessionStart(config, eventId: "evt_start_1"))
        #expect(event.objectValue?.keys == ["type", "event_id", "session"])
        #expect(event["event_id"] == "evt_start_1")
        let session = try #require(event["session"])
        #expect(session.objectValue?.keys == ["model", "instructions", "audio", "delegation", "input", "store"])
        #expect(session["instructions"] == "Short voice instructions.")
        #expect(session["audio"] == ["format": ["type": "audio/pcm", "rate": 24000], "output": ["voice": "marin"]])
        #expect(session["store"] == false)
        let delegation = try #require(session["delegation"])
        #expect(delegation.objectValue?.keys == ["type", "responses"])
        #expect(delegation["type"] == "responses")
        let responses = try #require(delegation["responses"])
        #expect(responses.objectValue?.keys == ["model", "instructions", "tools", "tool_choice", "parallel_tool_calls", "reasoning"])
        #expect(responses["model"] == "gpt-5.5")
        #expect(responses["instructions"] == "Backend prompt.")
        #expect(responses["tools"] == [Self.realtimeTool, ["type": "web_search"]])
        #expect(responses["tool_choice"] == "auto")
        #expect(responses["parallel_tool_calls"] == true)
        #expect(responses["reasoning"] == ["effort": "low"])
        // initial_item.py: input_text for developer and user, output_text for the assistant.
        #expect(session["input"] == [
            ["type": "message", "role": "developer", "content": [["type": "input_text", "text": "Caller is +15550100."]]],
            ["type": "message", "role": "user", "content": [["type": "input_text", "text": "Hi."]]],
            ["type": "message", "role": "assistant", "content": [["type": "output_text", "text": "Hello!"]]],
        ])
    }

    @Test func delegation_onlyTheModel_sendsOnlyTheModel() throws {
        let config = LiveSessionConfig(model: "gpt-live-1", delegation: .responses(model: "gpt-5.5"))
        let session = try #require(try parse(LiveClientEvent.sessionStart(config))["session"])
        #expect(session["delegation"] == ["type": "responses", "responses": ["model": "gpt-5.5"]])
    }

    @Test func tools_keepOnlyTheFunctionToolFields() {
        // function_tool.py: name, type, description?, parameters?, strict? — nothing else.
        var tool = Self.realtimeTool.objectValue!
        tool["x_internal"] = "dropped"
        tool["strict"] = true
        #expect(LiveDelegation.responsesTool(.object(tool))
            == ["type": "function", "name": "web_search", "description": "Search the web.",
                "parameters": Self.realtimeTool["parameters"]!, "strict": true])
        // Chat Completions' nested shape is flattened.
        let nested: JSON = ["type": "function", "function": ["name": "hang_up", "parameters": ["type": "object"]]]
        #expect(LiveDelegation.responsesTool(nested) == ["type": "function", "name": "hang_up", "parameters": ["type": "object"]])
        // Hosted tools pass through.
        let mcp: JSON = ["type": "mcp", "server_label": "crm", "server_url": "https://crm.example/mcp"]
        #expect(LiveDelegation.responsesTool(mcp) == mcp)
    }

    @Test func inputAudioAppend_isTheExactText() throws {
        let text = LiveClientEvent.inputAudioAppend(base64: "/////w==")
        #expect(text == #"{"type":"session.input_audio.append","audio":"/////w=="}"#)
        #expect(try parse(text) == ["type": "session.input_audio.append", "audio": "/////w=="])
    }

    @Test(arguments: ["session.commentary.append", "session.thinking.append", "session.instructions.append"])
    func appends_alwaysCarryDelegationId(type: String) throws {
        func make(_ content: String, _ delegationId: String?, _ eventId: String?) -> String {
            switch type {
            case "session.commentary.append": return LiveClientEvent.commentaryAppend(content: content, delegationId: delegationId, eventId: eventId)
            case "session.thinking.append": return LiveClientEvent.thinkingAppend(content: content, delegationId: delegationId, eventId: eventId)
            default: return LiveClientEvent.instructionsAppend(content: content, delegationId: delegationId, eventId: eventId)
            }
        }
        // Required and nullable: `null`, not absent.
        let general = make("Greet the caller \"now\".", nil, nil)
        #expect(general.contains(#""delegation_id":null"#))
        #expect(try parse(general) == ["type": .string(type), "content": "Greet the caller \"now\".", "delegation_id": nil])
        #expect(try parse(general).objectValue?.keys == ["type", "content", "delegation_id"])
        let tied = try parse(make("It is 62 degrees.", "item_delegation_123", "e7"))
        #expect(tied == ["type": .string(type), "event_id": "e7", "content": "It is 62 degrees.", "delegation_id": "item_delegation_123"])
    }

    @Test func functionCallOutput_isAResponseItemCreate() throws {
        let event = try parse(LiveClientEvent.functionCallOutput(callId: "call_123", output: #"{"temperature":62}"#, eventId: "e8"))
        #expect(event == ["type": "response.item.create", "event_id": "e8",
                          "item": ["type": "function_call_output", "call_id": "call_123", "output": #"{"temperature":62}"#]])
    }

    @Test func responseCreateAndSessionClose_areBare() throws {
        #expect(LiveClientEvent.responseCreate() == #"{"type":"response.create"}"#)
        #expect(try parse(LiveClientEvent.responseCreate(eventId: "e9")) == ["type": "response.create", "event_id": "e9"])
        #expect(LiveClientEvent.sessionClose() == #"{"type":"session.close"}"#)
        #expect(try parse(LiveClientEvent.sessionClose(eventId: "bye")) == ["type": "session.close", "event_id": "bye"])
    }

    @Test func audioFormats_roundTripAndRefuseTheRest() {
        for format in [LiveAudioFormat.pcmu, .pcma, .pcm16000, .pcm24000] {
            #expect(LiveAudioFormat(json: format.json) == format)
        }
        #expect(LiveAudioFormat.pcmu.json == ["type": "audio/pcmu", "rate": 8000])
        #expect(LiveAudioFormat.pcma.json == ["type": "audio/pcma", "rate": 8000])
        #expect(LiveAudioFormat.pcm16000.json == ["type": "audio/pcm", "rate": 16000])
        #expect([LiveAudioFormat.pcmu, .pcma, .pcm16000, .pcm24000].map(\.bytesPerMillisecond) == [8, 8, 32, 48])
        #expect(LiveAudioFormat(json: ["type": "audio/pcm", "rate": 8000]) == nil)
        #expect(LiveAudioFormat(json: ["type": "audio/pcmu", "rate": 16000]) == nil)
        #expect(LiveAudioFormat(json: ["type": "audio/pcmu"]) == nil)
        #expect(LiveAudioFormat(json: "audio/pcmu") == nil)
    }
}
