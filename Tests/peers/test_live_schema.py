"""Self-tests of live_schema: the GPT-Live events the bridge sends pass; mistakes are named."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from peers.live_schema import (REALTIME_ONLY, Problem, check_client_event, check_responses_event,
                               check_server_event, client_event_models)

WEATHER_TOOL = {"type": "function", "name": "get_weather", "description": "Weather for a city.",
                "parameters": {"type": "object", "properties": {"location": {"type": "string"}},
                               "required": ["location"], "additionalProperties": False},
                "strict": True}
END_CALL_TOOL = {"type": "function", "name": "end_call", "description": "Hang up.",
                 "parameters": {"type": "object", "properties": {}}}

SESSION_START: dict[str, Any] = {
    "type": "session.start", "event_id": "evt_start_1",
    "session": {
        "model": "gpt-live-1",
        "instructions": "Be brief.",
        "audio": {"format": {"type": "audio/pcmu", "rate": 8000}, "output": {"voice": "marin"}},
        "delegation": {"type": "responses", "acknowledgement_delay_ms": 0,
                       "responses": {"model": "gpt-5.5", "instructions": "Backend rules.",
                                     "tools": [WEATHER_TOOL, END_CALL_TOOL, {"type": "web_search"}],
                                     "tool_choice": "auto", "parallel_tool_calls": True,
                                     "reasoning": {"effort": "low", "summary": "auto"},
                                     "text": {"verbosity": "low"}, "max_output_tokens": 2048,
                                     "service_tier": "priority"}},
        "input": [
            {"type": "message", "role": "developer",
             "content": [{"type": "input_text", "text": "Caller is +15550100."}]},
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Hi"}]},
            {"type": "message", "role": "assistant",
             "content": [{"type": "output_text", "text": "Hello!"}]},
        ],
        "store": False,
    },
}

VALID_CLIENT_EVENTS: list[dict[str, Any]] = [
    SESSION_START,
    {"type": "session.start", "session": {"model": "gpt-live-1",
                                          "audio": {"format": {"type": "audio/pcm", "rate": 24000}}}},
    {"type": "session.start", "session": {"model": "gpt-live-1.1", "delegation": None,
                                          "audio": {"format": {"type": "audio/pcma", "rate": 8000}}}},
    {"type": "session.input_audio.append", "audio": "//79/A=="},
    {"type": "session.commentary.append", "event_id": "e1", "delegation_id": None,
     "content": "Greet the caller."},
    {"type": "session.thinking.append", "delegation_id": None, "content": "Caller pressed 1."},
    {"type": "session.instructions.append", "delegation_id": "dlg_1", "content": "Speak slowly."},
    {"type": "response.item.create", "event_id": "e8",
     "item": {"type": "function_call_output", "call_id": "call_1", "output": '{"t":62}'}},
    {"type": "response.create", "event_id": "e9"},
    {"type": "session.close"},
    {"type": "session.update", "session": {"delegation": {"type": "responses",
                                                          "responses": {"tools": [WEATHER_TOOL]}}}},
    {"type": "session.input_audio.mute"},
]


@pytest.mark.parametrize("event", VALID_CLIENT_EVENTS, ids=lambda e: e["type"])
def test_events_the_bridge_sends_are_valid(event: dict[str, Any]) -> None:
    assert check_client_event(event) == []


def test_the_sdk_knows_every_live_client_event_type() -> None:
    types = set(client_event_models())
    assert {"session.start", "session.input_audio.append", "session.commentary.append",
            "session.thinking.append", "session.instructions.append", "response.item.create",
            "response.create", "session.close", "session.update"} <= types
    assert not types & set(REALTIME_ONLY)


def one(event: dict[str, Any]) -> Problem:
    problems = check_client_event(event)
    assert len(problems) == 1, problems
    return problems[0]


def with_session(**changes: Any) -> dict[str, Any]:
    event = copy.deepcopy(SESSION_START)
    event["session"].update(changes)
    return event


def test_unknown_fields_are_reported_with_their_path() -> None:
    p = one(with_session(turn_detection={"type": "server_vad"}))
    assert (p.code, p.param) == ("unknown_parameter", "session.turn_detection")
    assert "Unknown parameter: 'session.turn_detection'" in p.message
    event = copy.deepcopy(SESSION_START)
    event["session"]["delegation"]["responses"]["tools"][0]["paramters"] = {}
    p = one(event)
    assert p.param == "session.delegation.responses.tools[0].paramters"
    # Realtime's place for tools is not Live's: tools go under delegation.responses.
    p = one(with_session(tools=[WEATHER_TOOL]))
    assert (p.code, p.param) == ("unknown_parameter", "session.tools")


def test_realtime_session_shapes_are_refused() -> None:
    p = one({"type": "session.update", "session": {"type": "realtime"}})
    assert (p.code, p.param) == ("unknown_parameter", "session.type")
    p = one(with_session(audio={"input": {"format": {"type": "audio/pcmu"}}}))
    assert p.param == "session.audio.input"


@pytest.mark.parametrize("kind", sorted(REALTIME_ONLY))
def test_realtime_only_events_are_named(kind: str) -> None:
    p = one({"type": kind, "event_id": "x"})
    assert (p.code, p.param) == ("invalid_value", "type")
    assert "Realtime API event" in p.message and kind in p.message


def test_delegation_id_is_required_but_nullable() -> None:
    p = one({"type": "session.thinking.append", "content": "pressed 1"})
    assert (p.code, p.param) == ("missing_required_parameter", "delegation_id")
    assert check_client_event({"type": "session.thinking.append", "content": "x",
                               "delegation_id": None}) == []


def test_audio_formats() -> None:
    p = one(with_session(audio={"format": {"type": "audio/pcm", "rate": 8000}}))
    assert (p.code, p.param) == ("invalid_value", "session.audio.format.rate")
    assert "16000 or 24000" in p.message
    p = one(with_session(audio={"format": {"type": "audio/pcmu", "rate": 16000}}))
    assert p.param == "session.audio.format.rate" and "8000" in p.message
    p = one(with_session(audio={"format": {"type": "g711_ulaw", "rate": 8000}}))
    assert p.param == "session.audio.format.type"
    assert "'audio/pcm', 'audio/pcmu', 'audio/pcma'" in p.message
    # Realtime's bare {"type":"audio/pcmu"} misses the rate Live requires.
    p = one(with_session(audio={"format": {"type": "audio/pcmu"}}))
    assert (p.code, p.param) == ("missing_required_parameter", "session.audio.format.rate")


def test_nested_union_errors_name_the_real_mistake() -> None:
    event = copy.deepcopy(SESSION_START)
    del event["session"]["delegation"]["responses"]["model"]
    p = one(event)
    assert (p.code, p.param) == ("missing_required_parameter", "session.delegation.responses.model")
    event = copy.deepcopy(SESSION_START)
    event["session"]["delegation"]["responses"]["tools"] = [{"type": "function"}]
    assert one(event).param == "session.delegation.responses.tools[0].name"
    p = one(with_session(input=[{"type": "message", "role": "system",
                                 "content": [{"type": "input_text", "text": "x"}]}]))
    assert p.param == "session.input[0].role" and "'developer', 'user', 'assistant'" in p.message
    p = one(with_session(input=[{"role": "user", "content": [{"text": "a"}, {"text": "b"}]}]))
    assert p.param == "session.input[0].content" and "exactly one" in p.message


def test_missing_model_and_bad_types() -> None:
    event = copy.deepcopy(SESSION_START)
    del event["session"]["model"]
    assert one(event).param == "session.model"
    p = one({"type": "session.input_audio.append", "audio": 5})
    assert (p.code, p.param) == ("invalid_type", "audio")
    p = one({"type": "response.item.create",
             "item": {"type": "function_call_output", "call_id": "c", "output": {"t": 1}}})
    assert (p.code, p.param) == ("invalid_type", "item.output")
    p = one({"type": "response.item.create", "item": {"type": "function_call_output", "output": "x"}})
    assert (p.code, p.param) == ("missing_required_parameter", "item.call_id")


def test_not_events() -> None:
    assert one({"audio": "x"}).param == "type"
    assert one(["session.close"]).code == "invalid_type"  # type: ignore[arg-type]
    p = one({"type": "session.begin"})
    assert p.param == "type" and "Not a GPT-Live client event type" in p.message


def test_server_and_nested_responses_events() -> None:
    assert check_server_event({"type": "session.output_audio.delta", "delta": "AAAA"}) == []
    # The SDK defines no event_id on output audio deltas (unlike every other server event).
    assert check_server_event({"type": "session.output_audio.delta", "event_id": "e",
                               "delta": "AAAA"})[0].param == "event_id"
    bad = check_server_event({"type": "session.closed", "event_id": "e", "reason": "bye",
                              "usage": {"seconds": 1.5}, "session": {}})
    assert {p.param for p in bad} >= {"reason", "session.id"}
    done = {"type": "response.output_item.done", "sequence_number": 3, "output_index": 0,
            "item": {"type": "function_call", "id": "fc_1", "call_id": "call_1",
                     "name": "get_weather", "arguments": "{}", "status": "completed"}}
    assert check_responses_event(done) == []
    assert check_responses_event({**done, "sequence_number": None})[0].param == "sequence_number"
