import Testing
import JSON
import Realtime

@Suite("RealtimeServerEvent")
struct RealtimeServerEventTests {
    private func decode(_ text: String) throws -> RealtimeServerEvent {
        try RealtimeServerEvent.decode(text)
    }

    private func kind(of text: String) -> RealtimeEventError.Kind? {
        #expect(throws: RealtimeEventError.self) { try RealtimeServerEvent.decode(text) }?.kind
    }

    @Test func decode_sessionEvents() throws {
        #expect(try decode(#"{"type":"session.created","event_id":"e1","session":{"id":"sess_1","type":"realtime"}}"#)
            == .sessionCreated(session: ["id": "sess_1", "type": "realtime"]))
        #expect(try decode(#"{"type":"session.updated","session":{"voice":"alloy"}}"#)
            == .sessionUpdated(session: ["voice": "alloy"]))
    }

    @Test func decode_speechStartedAndStopped() throws {
        #expect(try decode(#"{"type":"input_audio_buffer.speech_started","event_id":"e","audio_start_ms":1000,"item_id":"item_1"}"#)
            == .speechStarted(itemId: "item_1", audioStartMs: 1000))
        #expect(try decode(#"{"type":"input_audio_buffer.speech_stopped","audio_end_ms":2000,"item_id":"item_1"}"#)
            == .speechStopped(itemId: "item_1", audioEndMs: 2000))
    }

    @Test(arguments: ["response.output_audio.delta", "response.audio.delta"])
    func decode_audioDeltaInBothDialects(type: String) throws {
        let text = #"{"type":"\#(type)","event_id":"e","response_id":"resp_1","item_id":"item_2","output_index":0,"content_index":0,"delta":"/////w=="}"#
        #expect(try decode(text) == .audioDelta(delta: "/////w==", itemId: "item_2", responseId: "resp_1"))
        #expect(try RealtimeServerEvent.decode(Array(text.utf8)) == .audioDelta(delta: "/////w==", itemId: "item_2", responseId: "resp_1"))
    }

    @Test(arguments: ["response.output_audio.done", "response.audio.done"])
    func decode_audioDoneInBothDialects(type: String) throws {
        #expect(try decode(#"{"type":"\#(type)","response_id":"resp_1","item_id":"item_2"}"#) == .audioDone(itemId: "item_2"))
    }

    @Test(arguments: ["response.output_audio_transcript.done", "response.audio_transcript.done"])
    func decode_assistantTranscriptInBothDialects(type: String) throws {
        #expect(try decode(#"{"type":"\#(type)","item_id":"item_2","transcript":"Hello there."}"#)
            == .assistantTranscriptDone(itemId: "item_2", transcript: "Hello there."))
    }

    @Test func decode_inputTranscriptCompleted() throws {
        let text = #"{"type":"conversation.item.input_audio_transcription.completed","item_id":"item_1","content_index":0,"transcript":"Hi, I need help."}"#
        #expect(try decode(text) == .inputTranscriptCompleted(itemId: "item_1", transcript: "Hi, I need help."))
    }

    @Test func decode_responseLifecycle() throws {
        #expect(try decode(#"{"type":"response.created","response":{"id":"resp_1","status":"in_progress"}}"#)
            == .responseCreated(responseId: "resp_1"))
        let done = #"{"type":"response.done","response":{"id":"resp_1","status":"cancelled","status_details":{"type":"cancelled","reason":"turn_detected"},"usage":{"total_tokens":12,"input_tokens":8,"output_tokens":4}}}"#
        #expect(try decode(done) == .responseDone(responseId: "resp_1", status: "cancelled",
                                                  usage: ["total_tokens": 12, "input_tokens": 8, "output_tokens": 4]))
        #expect(try decode(#"{"type":"response.done","response":{"id":"r","status":"failed","usage":null}}"#)
            == .responseDone(responseId: "r", status: "failed", usage: nil))
    }

    @Test func decode_functionCall() throws {
        let arguments = #"{"type":"response.function_call_arguments.done","item_id":"item_3","call_id":"call_9","arguments":"{\"query\":\"weather\"}"}"#
        #expect(try decode(arguments) == .functionCallArgumentsDone(itemId: "item_3", callId: "call_9", arguments: #"{"query":"weather"}"#))
        let item = #"{"type":"response.output_item.done","response_id":"r","output_index":0,"item":{"id":"item_3","type":"function_call","name":"web_search","call_id":"call_9","arguments":"{}"}}"#
        guard case .outputItemDone(let value) = try decode(item) else {
            Issue.record("not outputItemDone")
            return
        }
        #expect(value["name"] == "web_search" && value["call_id"] == "call_9")
    }

    @Test func decode_errorEvent() throws {
        let text = #"{"type":"error","event_id":"e9","error":{"type":"invalid_request_error","code":"unknown_parameter","message":"Unknown parameter: 'session.output_modalities'.","param":"session.output_modalities","event_id":"client_1"}}"#
        #expect(try decode(text) == .error(type: "invalid_request_error", code: "unknown_parameter",
                                           message: "Unknown parameter: 'session.output_modalities'.",
                                           param: "session.output_modalities", eventId: "client_1"))
        #expect(try decode(#"{"type":"error","error":{"type":"server_error","code":null,"param":null}}"#)
            == .error(type: "server_error", code: nil, message: #"{"type":"server_error","code":null,"param":null}"#,
                      param: nil, eventId: nil))
    }

    @Test func decode_otherEvents() throws {
        #expect(try decode(#"{"type":"rate_limits.updated","rate_limits":[]}"#) == .other(type: "rate_limits.updated"))
        #expect(try decode(#"{"type":"response.output_audio_transcript.delta","delta":"Hel"}"#)
            == .other(type: "response.output_audio_transcript.delta"))
    }

    @Test func decode_rejectsMalformedEvents() {
        #expect(kind(of: #"{"event_id":"e"}"#) == .missingType)
        #expect(kind(of: "[]") == .notAnObject)
        #expect(kind(of: #"{"type":"response.output_audio.delta","item_id":"i"}"#)
            == .missingField(type: "response.output_audio.delta", field: "delta"))
        #expect(kind(of: #"{"type":"response.audio.delta","delta":"ab\"}"}"#) == .deltaNotBase64(prefix: "ab\"}"))
        #expect(kind(of: #"{"type":"response.function_call_arguments.done","arguments":"{}"}"#)
            == .missingField(type: "response.function_call_arguments.done", field: "call_id"))
        #expect(kind(of: #"{"type":"response.output_item.done"}"#) == .missingField(type: "response.output_item.done", field: "item"))
        guard case .notJSON(let error)? = kind(of: #"{"type":"error""#) else {
            Issue.record("expected notJSON")
            return
        }
        #expect(error.offset == 15)
    }
}
