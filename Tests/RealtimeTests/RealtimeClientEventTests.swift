import Testing
import JSON
import Realtime

@Suite("RealtimeClientEvent")
struct RealtimeClientEventTests {
    static let webSearch: JSON = [
        "type": "function",
        "name": "web_search",
        "description": "Search the web.",
        "parameters": ["type": "object", "properties": ["query": ["type": "string"]], "required": ["query"]],
    ]

    static let turnDetection: JSON = [
        "type": "server_vad", "threshold": 0.5, "prefix_padding_ms": 300, "silence_duration_ms": 500,
        "create_response": true, "interrupt_response": true,
    ]

    private func session(_ options: RealtimeSessionOptions, _ dialect: RealtimeDialect) throws -> JSON {
        let event = try JSON.parse(RealtimeClientEvent.sessionUpdate(options, dialect: dialect))
        #expect(event["type"] == "session.update")
        return try #require(event["session"])
    }

    @Test func sessionUpdate_openAIGAMatchesTheSpecShape() throws {
        let options = RealtimeSessionOptions(instructions: "Be brief.", tools: [Self.webSearch], provider: "openai")
        let session = try session(options, .ga)
        // PROTOCOLS.md §2, field by field.
        #expect(session["type"] == "realtime")
        #expect(session["instructions"] == "Be brief.")
        #expect(session["output_modalities"] == ["audio"])
        #expect(session["audio"]?["input"]?["format"] == ["type": "audio/pcmu"])
        #expect(session["audio"]?["input"]?["transcription"] == ["model": "gpt-4o-mini-transcribe"])
        #expect(session["audio"]?["input"]?["turn_detection"] == Self.turnDetection)
        #expect(session["audio"]?["output"]?["format"] == ["type": "audio/pcmu"])
        #expect(session["audio"]?["output"]?["voice"] == "marin")
        #expect(session["tools"] == [Self.webSearch])
        #expect(session["tool_choice"] == "auto")
        #expect(session["modalities"] == nil && session["input_audio_format"] == nil)
        #expect(session.objectValue?.keys == ["type", "instructions", "output_modalities", "audio", "tools", "tool_choice"])
    }

    @Test func sessionUpdate_azureGAOmitsOutputModalities() throws {
        let options = RealtimeSessionOptions(instructions: "Hi", voice: "cedar", provider: "azure")
        let session = try session(options, .ga)
        #expect(session["output_modalities"] == nil)
        #expect(session["type"] == "realtime")
        #expect(session["audio"]?["input"]?["format"]?["type"] == "audio/pcmu")
        #expect(session["audio"]?["output"]?["format"]?["type"] == "audio/pcmu")
        #expect(session["audio"]?["output"]?["voice"] == "cedar")
        #expect(session["audio"]?["input"]?["turn_detection"]?["type"] == "server_vad")
        #expect(session["tools"] == nil && session["tool_choice"] == nil)
    }

    @Test func sessionUpdate_betaIsFlatWithG711() throws {
        let options = RealtimeSessionOptions(instructions: "Hi", tools: [Self.webSearch], provider: "azure")
        let session = try session(options, .beta)
        #expect(session["modalities"] == ["audio", "text"])
        #expect(session["instructions"] == "Hi")
        #expect(session["voice"] == "alloy")
        #expect(session["input_audio_format"] == "g711_ulaw")
        #expect(session["output_audio_format"] == "g711_ulaw")
        #expect(session["input_audio_transcription"] == ["model": "gpt-4o-mini-transcribe"])
        #expect(session["turn_detection"] == Self.turnDetection)
        #expect(session["tools"] == [Self.webSearch])
        #expect(session["tool_choice"] == "auto")
        #expect(session["type"] == nil && session["audio"] == nil && session["output_modalities"] == nil)
    }

    @Test func sessionUpdate_optionalPartsFollowOptions() throws {
        let options = RealtimeSessionOptions(
            instructions: "x",
            turnDetection: .init(type: "semantic_vad", eagerness: "low"),
            transcriptionModel: nil,
            noiseReduction: "far_field")
        let ga = try session(options, .ga)
        #expect(ga["audio"]?["input"]?["transcription"] == nil)
        #expect(ga["audio"]?["input"]?["noise_reduction"] == ["type": "far_field"])
        #expect(ga["audio"]?["input"]?["turn_detection"]
            == ["type": "semantic_vad", "eagerness": "low", "create_response": true, "interrupt_response": true])
        let beta = try session(options, .beta)
        #expect(beta["input_audio_transcription"] == nil)
        #expect(beta["input_audio_noise_reduction"] == ["type": "far_field"])
    }

    @Test func appendAudio_exactString() {
        #expect(RealtimeClientEvent.appendAudio(base64: "/////w==")
            == #"{"type":"input_audio_buffer.append","audio":"/////w=="}"#)
    }

    @Test func appendAudio_spliceMatchesTheString() {
        for payload in ["/////w==", "", String(repeating: "AAAA", count: 54)] {
            var text = payload
            let spliced = text.withUTF8 { RealtimeClientEvent.appendAudio(base64: UnsafeRawBufferPointer($0)).string }
            #expect(spliced == RealtimeClientEvent.appendAudio(base64: payload))
        }
    }

    @Test func responseCreate_withAndWithoutInstructions() throws {
        #expect(RealtimeClientEvent.responseCreate(instructions: nil) == #"{"type":"response.create"}"#)
        let greeting = RealtimeClientEvent.greetingInstructions(#"Hello, this is "Ada"\n."#)
        #expect(greeting == #"Greet the caller now by saying exactly: "Hello, this is "Ada"\n.""#)
        let text = RealtimeClientEvent.responseCreate(instructions: greeting)
        #expect(text.hasPrefix(#"{"type":"response.create","response":{"instructions":"Greet the caller"#))
        let event = try JSON.parse(text)
        #expect(event["response"]?["instructions"]?.stringValue == greeting)
        #expect(event["response"]?["output_modalities"] == nil && event["response"]?["modalities"] == nil)
    }

    @Test func responseCreate_carriesTheClientEventId_forErrorsToName() throws {
        #expect(RealtimeClientEvent.responseCreate(eventId: "tool_response_1") == #"{"type":"response.create","event_id":"tool_response_1"}"#)
        let event = try JSON.parse(RealtimeClientEvent.responseCreate(instructions: "Say \"bye\"", eventId: "a\"b"))
        #expect(event["type"] == "response.create" && event["event_id"]?.stringValue == "a\"b")
        #expect(event["response"]?["instructions"]?.stringValue == "Say \"bye\"")
    }

    @Test func truncateAndCancel_exactStrings() {
        #expect(RealtimeClientEvent.truncate(itemId: "item_1", audioEndMs: 1500)
            == #"{"type":"conversation.item.truncate","item_id":"item_1","content_index":0,"audio_end_ms":1500}"#)
        #expect(RealtimeClientEvent.responseCancel() == #"{"type":"response.cancel"}"#)
    }

    @Test func itemCreate_userTextAndFunctionOutput() throws {
        let text = try JSON.parse(RealtimeClientEvent.conversationItemCreateUserText("What's \"up\"?"))
        #expect(text == ["type": "conversation.item.create",
                         "item": ["type": "message", "role": "user",
                                  "content": [["type": "input_text", "text": "What's \"up\"?"]]]])
        let output = try JSON.parse(RealtimeClientEvent.functionCallOutput(callId: "call_7", output: #"{"answer":42}"#))
        #expect(output == ["type": "conversation.item.create",
                           "item": ["type": "function_call_output", "call_id": "call_7", "output": #"{"answer":42}"#]])
    }
}
