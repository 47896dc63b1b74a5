import Testing
import JSON
@testable import Live

/// Server events decoded from samples written after the SDK's models
/// (`openai/types/live/*_event.py`), malformed input refused with the reason, and the backend's
/// function calls and usage read out of `response.event`.
@Suite("LiveServerEvent")
struct LiveServerEventTests {
    private func decode(_ text: String) throws(LiveEventError) -> LiveServerEvent {
        try LiveServerEvent.decode(text)
    }

    private func failure(_ text: String) -> LiveEventError.Kind? {
        do throws(LiveEventError) {
            _ = try decode(text)
            return nil
        } catch {
            return error.kind
        }
    }

    @Test func sessionStarted_carriesTheResolvedFormat() throws {
        let text = """
            {"type":"session.started","event_id":"event_1","client_event_id":"evt_start_1",
             "session":{"id":"live_123","expires_at":1767225600,"model":"gpt-live-1","status":"active",
              "audio":{"format":{"type":"audio/pcmu","rate":8000},"output":{"voice":"marin"}},
              "delegation":null,"instructions":"Be brief.","input":[],"store":false,"triggers":[]}}
            """
        guard case .sessionStarted(let session, let format) = try decode(text) else { Issue.record("not sessionStarted"); return }
        #expect(format == .pcmu)
        #expect(session["id"] == "live_123")
        #expect(session["expires_at"] == 1767225600)
        let pcm = #"{"type":"session.started","event_id":"e","session":{"id":"s","audio":{"format":{"type":"audio/pcm","rate":24000}}}}"#
        #expect(try decode(pcm) == .sessionStarted(session: try JSON.parse(pcm)["session"]!, format: .pcm24000))
        let none = #"{"type":"session.started","event_id":"e","session":{"id":"s"}}"#
        #expect(try decode(none) == .sessionStarted(session: ["id": "s"], format: nil))
    }

    @Test func sessionUpdated() throws {
        #expect(try decode(#"{"type":"session.updated","event_id":"e","session":{"id":"s"}}"#) == .sessionUpdated(session: ["id": "s"]))
    }

    @Test func transcriptsAndAppends_carryTheirTimeline() throws {
        #expect(try decode(#"{"type":"session.input_transcript.delta","event_id":"e1","delta":"Hello","start_ms":1200,"end_ms":1400}"#)
            == .inputTranscriptDelta(delta: "Hello", startMs: 1200, endMs: 1400))
        #expect(try decode(#"{"type":"session.output_transcript.delta","event_id":"e2","delta":" there\n","start_ms":1600,"end_ms":1800}"#)
            == .outputTranscriptDelta(delta: " there\n", startMs: 1600, endMs: 1800))
        #expect(try decode(#"{"type":"session.commentary.appended","event_id":"e3","start_ms":5,"end_ms":5,"client_event_id":"e7"}"#)
            == .commentaryAppended(startMs: 5, endMs: 5, clientEventId: "e7"))
        #expect(try decode(#"{"type":"session.thinking.appended","event_id":"e4","start_ms":6,"end_ms":7}"#)
            == .thinkingAppended(startMs: 6, endMs: 7, clientEventId: nil))
        #expect(try decode(#"{"type":"session.instructions.appended","event_id":"e5","start_ms":8,"end_ms":8}"#)
            == .instructionsAppended(startMs: 8, endMs: 8, clientEventId: nil))
    }

    @Test func delegationCreated() throws {
        let text = #"{"type":"session.delegation.created","event_id":"e","offset_ms":4200,"delegation":{"id":"item_delegation_123","type":"delegation","target":"responses","response_id":"resp_9"}}"#
        #expect(try decode(text) == .delegationCreated(delegationId: "item_delegation_123", target: "responses", responseId: "resp_9", offsetMs: 4200))
        #expect(failure(#"{"type":"session.delegation.created","event_id":"e","delegation":{"target":"client"}}"#)
            == .missingField(type: "session.delegation.created", field: "delegation.id"))
    }

    @Test func responseEvent_functionCallFromOutputItemDone() throws {
        let text = """
            {"type":"response.event","event_id":"e","delegation_id":"item_delegation_123","event":{
             "type":"response.output_item.done","output_index":0,"sequence_number":7,
             "item":{"id":"fc_1","type":"function_call","status":"completed","call_id":"call_123",
                     "name":"get_weather","arguments":"{\\"location\\":\\"Seattle\\"}"}}}
            """
        let event = try decode(text)
        #expect(event.responseEventType == "response.output_item.done")
        #expect(event.functionCall == LiveFunctionCall(callId: "call_123", name: "get_weather",
                                                       arguments: #"{"location":"Seattle"}"#, delegationId: "item_delegation_123"))
        #expect(event.backendUsage == nil)
        // A message item, or another nested event, is no call.
        let message = #"{"type":"response.event","event_id":"e","event":{"type":"response.output_item.done","item":{"type":"message","id":"m"}}}"#
        #expect(try decode(message).functionCall == nil)
        let added = #"{"type":"response.event","event_id":"e","event":{"type":"response.output_item.added","item":{"type":"function_call","call_id":"c","name":"n","arguments":""}}}"#
        #expect(try decode(added).functionCall == nil)
        #expect(try decode(added) == .responseEvent(delegationId: nil, event: try JSON.parse(added)["event"]!))
        #expect(failure(#"{"type":"response.event","event_id":"e","event":"x"}"#) == .missingField(type: "response.event", field: "event"))
    }

    @Test func responseEvent_usageFromResponseCompleted() throws {
        let text = """
            {"type":"response.event","event_id":"e","delegation_id":null,"event":{"type":"response.completed","sequence_number":12,
             "response":{"id":"resp_9","object":"response","status":"completed","output":[],
              "usage":{"input_tokens":812,"output_tokens":64,"total_tokens":876,"input_tokens_details":{"cached_tokens":512}}}}}
            """
        let event = try decode(text)
        #expect(event.backendUsage?["total_tokens"] == 876)
        #expect(event.backendUsage?["input_tokens_details"]?["cached_tokens"] == 512)
        #expect(event.functionCall == nil)
        if case .responseEvent(let delegationId, _) = event { #expect(delegationId == nil) } else { Issue.record("not responseEvent") }
    }

    @Test func usageAndClose() throws {
        #expect(try decode(#"{"type":"session.usage.updated","event_id":"e","usage":{"seconds":61},"context_window":{"usage_ratio":0.125}}"#)
            == .usageUpdated(seconds: 61, contextUsageRatio: 0.125))
        #expect(try decode(#"{"type":"session.usage.updated","event_id":"e","usage":{"seconds":120.0}}"#)
            == .usageUpdated(seconds: 120, contextUsageRatio: nil))
        #expect(failure(#"{"type":"session.usage.updated","event_id":"e","usage":{}}"#)
            == .missingField(type: "session.usage.updated", field: "usage.seconds"))
        let closed = #"{"type":"session.closed","event_id":"e","reason":"close_requested","usage":{"seconds":184},"session":{"id":"live_123","status":"active"}}"#
        #expect(try decode(closed) == .sessionClosed(reason: "close_requested", seconds: 184))
        #expect(try decode(#"{"type":"session.closed","event_id":"e"}"#) == .sessionClosed(reason: nil, seconds: nil))
    }

    @Test func error_andInfo() throws {
        let text = """
            {"type":"error","event_id":"evt_9","error":{"type":"invalid_request_error","code":"invalid_audio",
             "message":"PCM16 audio must contain an even number of bytes","param":"audio","client_event_id":"event_audio_1"}}
            """
        #expect(try decode(text) == .error(type: "invalid_request_error", code: "invalid_audio",
                                           message: "PCM16 audio must contain an even number of bytes",
                                           param: "audio", clientEventId: "event_audio_1"))
        // The outer client_event_id serves when the error object has none.
        let outer = #"{"type":"error","event_id":"e","client_event_id":"evt_start_1","error":{"type":"invalid_request_error","code":"unknown_parameter","message":"Unknown parameter: 'session.temperature'.","param":"session.temperature"}}"#
        #expect(try decode(outer) == .error(type: "invalid_request_error", code: "unknown_parameter",
                                            message: "Unknown parameter: 'session.temperature'.", param: "session.temperature",
                                            clientEventId: "evt_start_1"))
        #expect(try decode(#"{"type":"error","event_id":"e","error":{"code":7}}"#)
            == .error(type: nil, code: nil, message: #"{"code":7}"#, param: nil, clientEventId: nil))
        #expect(try decode(#"{"type":"info","event_id":"e","code":"data_channel_permissions","message":"m"}"#)
            == .info(code: "data_channel_permissions", message: "m"))
    }

    @Test func otherEvents_byType() throws {
        #expect(try decode(#"{"type":"session.input_audio.muted","event_id":"e"}"#) == .other(type: "session.input_audio.muted"))
        #expect(try decode(#"{"type":"transport.dtmf.received","event_id":"e","event":"5"}"#) == .other(type: "transport.dtmf.received"))
    }

    @Test func malformedInput_throwsWithTheReason() {
        if case .notJSON = failure(#"{"type":"session.output_audio.delta","delta":"AAAA""#) {} else { Issue.record("cut text") }
        if case .notJSON = failure("") {} else { Issue.record("empty text") }
        #expect(failure("[1,2]") == .notAnObject)
        #expect(failure(#"{"event_id":"e"}"#) == .missingType)
        #expect(failure(#"{"type":7}"#) == .missingType)
        #expect(failure(#"{"type":"session.output_audio.delta","event_id":"e"}"#)
            == .missingField(type: "session.output_audio.delta", field: "delta"))
        #expect(failure(#"{"type":"session.output_audio.delta","delta":"not base64!"}"#) == .deltaNotBase64(prefix: "not base64!"))
        #expect(failure(#"{"type":"session.input_transcript.delta","start_ms":1,"end_ms":2}"#)
            == .missingField(type: "session.input_transcript.delta", field: "delta"))
        #expect(LiveEventError(.missingType).description.contains("GPT-Live"))
    }

    @Test func bytesAndString_decodeAlike() throws {
        let text = #"{"type":"session.output_audio.delta","event_id":"e","delta":"/////w=="}"#
        #expect(try LiveServerEvent.decode(Array(text.utf8)) == .outputAudioDelta(delta: "/////w=="))
        #expect(try LiveServerEvent.decode(text) == .outputAudioDelta(delta: "/////w=="))
    }
}
