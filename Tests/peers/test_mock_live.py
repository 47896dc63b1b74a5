"""Self-tests of the GPT-Live mock, driven by a raw `websockets` client."""

from __future__ import annotations

import asyncio
import base64
import json
import signal
import ssl
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from peers.certs import TestPKI, make_test_pki
from peers.live_schema import check_responses_event, check_server_event
from peers.mock_live import (ANSWER_TRANSCRIPT, GREETING_TRANSCRIPT, LiveOptions, MockLive,
                             speech_audio)

PEERS = Path(__file__).resolve().parent
PCMU = {"type": "audio/pcmu", "rate": 8000}
PCM24 = {"type": "audio/pcm", "rate": 24000}
TOOLS = [{"type": "function", "name": "get_weather", "parameters": {"type": "object"}},
         {"type": "function", "name": "end_call"}]


def start_event(fmt: dict[str, Any] = PCMU, responses: bool = True, **extra: Any) -> dict[str, Any]:
    session: dict[str, Any] = {"model": "gpt-live-1", "instructions": "Be brief.",
                               "audio": {"format": fmt}, **extra}
    if responses:
        session["delegation"] = {"type": "responses",
                                 "responses": {"model": "gpt-5.5", "tools": TOOLS}}
    return {"type": "session.start", "event_id": "evt_start", "session": session}


def append(data: bytes) -> dict[str, Any]:
    return {"type": "session.input_audio.append", "audio": base64.b64encode(data).decode()}


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPKI:
    return make_test_pki(tmp_path_factory.mktemp("pki"))


def run(coro: Any, timeout: float = 30.0) -> Any:
    return asyncio.run(asyncio.wait_for(coro, timeout))


async def recv(ws: ClientConnection, timeout: float = 3.0) -> dict[str, Any]:
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


async def recv_until(ws: ClientConnection, kind: str, timeout: float = 3.0,
                     inner: str | None = None) -> list[dict[str, Any]]:
    """Server events up to and including the first of type `kind` (and nested type `inner`)."""
    out: list[dict[str, Any]] = []
    while True:
        event = await recv(ws, timeout)
        out.append(event)
        if event["type"] == kind and (inner is None or event["event"]["type"] == inner):
            return out


async def started(ws: ClientConnection, fmt: dict[str, Any] = PCMU, **kw: Any) -> dict[str, Any]:
    await ws.send(json.dumps(start_event(fmt, **kw)))
    return (await recv_until(ws, "session.started"))[-1]


class Mock:
    """An in-process MockLive on loopback (ws:// unless TLS files are given)."""

    def __init__(self, **options: Any) -> None:
        options.setdefault("plain", "cert" not in options)
        self.mock = MockLive(LiveOptions(**options))

    async def __aenter__(self) -> MockLive:
        self.port = await self.mock.start()
        return self.mock

    async def __aexit__(self, *exc: Any) -> None:
        await asyncio.sleep(0.05)
        await self.mock.close()

    def url(self, path: str = "/v1/live/sessions") -> str:
        return f"ws://127.0.0.1:{self.port}{path}"


def records(mock: MockLive, kind: str) -> list[dict[str, Any]]:
    return [r for r in mock.recorder.records if r["kind"] == kind]


def assert_all_valid(events: list[dict[str, Any]]) -> None:
    """Every event the mock sent matches the SDK's server models (nested Responses events too)."""
    for event in events:
        assert check_server_event(event) == [], event
        if event["type"] == "response.event":
            assert check_responses_event(event["event"]) == [], event


def test_start_and_echo_over_tls(pki: TestPKI, tmp_path: Path) -> None:
    record = tmp_path / "rec.jsonl"
    frames = [bytes([n]) * 160 for n in (0x11, 0x22, 0x33)]

    async def scenario() -> tuple[list[dict[str, Any]], MockLive]:
        m = Mock(cert=pki.localhost[0], key=pki.localhost[1], record=record)
        async with m as mock:
            ctx = ssl.create_default_context(cafile=str(pki.ca))
            async with connect(f"wss://localhost:{m.port}/v1/live/sessions", ssl=ctx,
                               additional_headers={"Authorization": "Bearer sk-x"}) as ws:
                got = [await started(ws)]
                for f in frames:
                    await ws.send(json.dumps(append(f)))
                got += [await recv(ws) for _ in frames]
        return got, mock

    got, mock = run(scenario())
    session = got[0]["session"]
    assert got[0]["client_event_id"] == "evt_start"
    assert session["audio"] == {"format": PCMU, "output": {"voice": "marin"}}
    assert session["id"].startswith("live_") and session["status"] == "active"
    assert session["expires_at"] > time.time() + 3000 and session["model"] == "gpt-live-1"
    responses = session["delegation"]["responses"]
    assert session["delegation"]["acknowledgement_delay_ms"] == 0
    assert responses["tool_choice"] == "auto" and responses["tools"] == TOOLS
    deltas = got[1:]
    assert [e["type"] for e in deltas] == ["session.output_audio.delta"] * 3
    assert [base64.b64decode(e["delta"]) for e in deltas] == frames  # byte-exact echo
    assert all("event_id" not in e for e in deltas)  # as the SDK's OutputAudioDeltaEvent
    assert_all_valid(got)

    lines = [json.loads(x) for x in record.read_text().splitlines()]
    assert lines == mock.recorder.records
    hs = lines[0]
    assert (hs["kind"], hs["path"], hs["query"], hs["refused"]) == ("handshake",
                                                                    "/v1/live/sessions", "", None)
    assert hs["headers"]["authorization"] == "Bearer sk-x"
    received = [r["event"]["type"] for r in lines if r["kind"] == "event"]
    assert received == ["session.start"] + ["session.input_audio.append"] * 3
    assert not records(mock, "violation")
    assert lines[-2]["kind"] == "summary" and lines[-2]["appends"] == 3
    assert lines[-1] == {"kind": "closed", "conn": 1, "code": 1000, "reason": "", "by": "client"}


def test_paths_and_auth_headers() -> None:
    async def scenario() -> tuple[list[int], MockLive]:
        m = Mock(require_headers=("authorization", "api-key"))
        statuses = []
        async with m as mock:
            async with connect(m.url("/openai/v1/live/sessions"),
                               additional_headers={"api-key": "k"}) as ws:
                await started(ws)
            for path, headers in (("/v1/live/sessions", {}),
                                  ("/v1/realtime", {"Authorization": "Bearer x"})):
                with pytest.raises(InvalidStatus) as info:
                    async with connect(m.url(path), additional_headers=headers):
                        pass
                statuses.append(info.value.response.status_code)
                body = json.loads(info.value.response.body)
                assert body["error"]["type"] == "invalid_request_error"
        return statuses, mock

    statuses, mock = run(scenario())
    assert statuses == [401, 404]
    hs = records(mock, "handshake")
    assert [(h["path"], h["refused"]) for h in hs] == [
        ("/openai/v1/live/sessions", None), ("/v1/live/sessions", 401), ("/v1/realtime", 404)]
    assert hs[0]["headers"]["api-key"] == "k"


def test_refused_format_then_pcm_fallback_on_the_same_socket() -> None:
    async def scenario() -> tuple[list[dict[str, Any]], MockLive]:
        m = Mock(refuse_formats=("audio/pcmu",))
        async with m as mock:
            async with connect(m.url()) as ws:
                await ws.send(json.dumps(append(b"\x01\x02")))  # before session.start
                got = [await recv(ws)]
                await ws.send(json.dumps(start_event(PCMU)))
                got.append(await recv(ws))
                got.append(await started(ws, PCM24))
                await ws.send(json.dumps({**append(b"\x01\x02\x03"), "event_id": "odd"}))
                got.append(await recv(ws))
                await ws.send(json.dumps(append(b"\x01\x02\x03\x04")))
                got.append(await recv(ws))
        return got, mock

    got, mock = run(scenario())
    early, refused, ok, odd, echo = got
    assert early["type"] == "error" and early["error"]["code"] == "session_not_started"
    assert refused["type"] == "error"
    assert refused["error"]["code"] == "invalid_value"
    assert refused["error"]["param"] == "session.audio.format.type"
    assert refused["error"]["client_event_id"] == "evt_start"
    assert ok["session"]["audio"]["format"] == PCM24
    assert odd["error"]["code"] == "invalid_audio" and odd["error"]["client_event_id"] == "odd"
    assert base64.b64decode(echo["delta"]) == b"\x01\x02\x03\x04"
    assert records(mock, "format_refused")[0]["format"] == PCMU
    assert [v["code"] for v in records(mock, "violation")] == ["session_not_started",
                                                               "invalid_audio"]
    assert_all_valid(got)


def test_unknown_field_and_realtime_events_are_violations() -> None:
    async def scenario() -> tuple[list[dict[str, Any]], MockLive]:
        m = Mock()
        async with m as mock:
            async with connect(m.url()) as ws:
                await ws.send(json.dumps(start_event(turn_detection={"type": "server_vad"})))
                got = [await recv(ws)]
                got.append(await started(ws))  # a corrected session.start is still accepted
                for kind in ("response.cancel", "conversation.item.truncate",
                             "input_audio_buffer.commit"):
                    await ws.send(json.dumps({"type": kind, "event_id": kind}))
                    got.append(await recv(ws))
                await ws.send(json.dumps({"type": "session.update", "event_id": "u1",
                                          "session": {"type": "realtime", "tools": TOOLS}}))
                got.append(await recv(ws))
                await ws.send(json.dumps({"type": "session.commentary.append", "event_id": "c1",
                                          "content": "Hi"}))  # no delegation_id
                got.append(await recv(ws))
        return got, mock

    got, mock = run(scenario())
    unknown, ok, *realtime, update, commentary = got
    assert unknown["error"]["code"] == "unknown_parameter"
    assert unknown["error"]["param"] == "session.turn_detection"
    assert unknown["error"]["client_event_id"] == "evt_start"
    assert ok["type"] == "session.started"
    for event, kind in zip(realtime, ("response.cancel", "conversation.item.truncate",
                                      "input_audio_buffer.commit")):
        assert event["error"]["client_event_id"] == kind and "Realtime API" in event["error"]["message"]
    assert update["error"]["code"] == "unknown_parameter" and update["error"]["param"] == "session.type"
    assert commentary["error"]["code"] == "missing_required_parameter"
    assert commentary["error"]["param"] == "delegation_id"
    violations = records(mock, "violation")
    assert [(v["event_type"], v["param"]) for v in violations] == [
        ("session.start", "session.turn_detection"), ("response.cancel", "type"),
        ("conversation.item.truncate", "type"), ("input_audio_buffer.commit", "type"),
        ("session.update", "session.type"), ("session.update", "session.tools"),
        ("session.commentary.append", "delegation_id")]
    assert all(v["problem"] for v in violations)
    assert_all_valid(got)


def tool_mock(**kw: Any) -> Mock:
    return Mock(tool_calls=[("get_weather", '{"location":"Paris"}'), ("end_call", "{}")],
                tool_call_after=2, burst=True, **kw)


async def function_calls(ws: ClientConnection) -> tuple[list[dict[str, Any]], list[str]]:
    """Appends until the mock delegates; returns the events and the calls' call_ids."""
    await started(ws)
    await ws.send(json.dumps(append(b"\xff" * 160)))
    await ws.send(json.dumps(append(b"\xff" * 160)))
    got: list[dict[str, Any]] = []
    while sum(e["type"] == "response.event" and e["event"]["type"] == "response.output_item.done"
              for e in got) < 2:
        got.append(await recv(ws))
    calls = [e["event"]["item"] for e in got if e["type"] == "response.event"
             and e["event"]["type"] == "response.output_item.done"]
    return got, [c["call_id"] for c in calls]


def output(call_id: str) -> dict[str, Any]:
    return {"type": "response.item.create",
            "item": {"type": "function_call_output", "call_id": call_id, "output": '{"ok":true}'}}


def test_function_call_round_trip() -> None:
    async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]], MockLive]:
        m = tool_mock()
        async with m as mock:
            async with connect(m.url()) as ws:
                got, call_ids = await function_calls(ws)
                for c in call_ids:
                    await ws.send(json.dumps(output(c)))
                await ws.send(json.dumps({"type": "response.create", "event_id": "rc"}))
                after = await recv_until(ws, "response.event", inner="response.completed")
                answer_bytes = len(speech_audio(PCMU, 200, "answer"))
                while sum(len(base64.b64decode(e["delta"])) for e in after
                          if e["type"] == "session.output_audio.delta") < answer_bytes:
                    after.append(await recv(ws))
        return got, after, mock

    got, after, mock = run(scenario())
    types = [e["type"] if e["type"] != "response.event" else e["event"]["type"] for e in got
             if e["type"] != "session.output_audio.delta"]
    assert types == ["session.delegation.created", "response.created", "response.in_progress"] + [
        "response.output_item.added", "response.function_call_arguments.delta",
        "response.function_call_arguments.done", "response.output_item.done"] * 2
    created = next(e for e in got if e["type"] == "session.delegation.created")
    delegation = created["delegation"]
    assert delegation["type"] == "delegation" and delegation["target"] == "responses"
    envelopes = [e for e in got + after if e["type"] == "response.event"]
    assert {e["delegation_id"] for e in envelopes} == {delegation["id"]}
    assert {e["event"]["response"]["id"] for e in envelopes if "response" in e["event"]} == {
        delegation["response_id"]}
    items = [e["event"]["item"] for e in envelopes if e["event"]["type"] == "response.output_item.done"]
    assert [(i["type"], i["name"], i["arguments"]) for i in items] == [
        ("function_call", "get_weather", '{"location":"Paris"}'), ("function_call", "end_call", "{}")]
    seqs = [e["event"]["sequence_number"] for e in envelopes]
    assert seqs == list(range(len(seqs)))
    completed = next(e["event"]["response"] for e in after if e["type"] == "response.event"
                     and e["event"]["type"] == "response.completed")
    assert completed["status"] == "completed"
    usage = completed["usage"]
    assert usage["input_tokens"] + usage["output_tokens"] == usage["total_tokens"] > 0
    speech = [e for e in after if e["type"].startswith("session.output_")]
    assert b"".join(base64.b64decode(e["delta"]) for e in speech
                    if e["type"] == "session.output_audio.delta") == speech_audio(PCMU, 200, "answer")
    assert "".join(e["delta"] for e in speech
                   if e["type"] == "session.output_transcript.delta") == ANSWER_TRANSCRIPT
    (rnd,) = records(mock, "tool_round")
    assert rnd["outputs"] == {c: 1 for c in rnd["call_ids"]} and len(rnd["call_ids"]) == 2
    assert rnd["response_creates"] == 1 and rnd["delegation_id"] == delegation["id"]
    assert not records(mock, "violation")
    assert_all_valid(got + after)


def test_response_create_before_every_output_is_refused() -> None:
    async def scenario() -> tuple[list[dict[str, Any]], MockLive]:
        m = tool_mock()
        async with m as mock:
            async with connect(m.url()) as ws:
                _, call_ids = await function_calls(ws)
                await ws.send(json.dumps(output(call_ids[0])))
                await ws.send(json.dumps({"type": "response.create", "event_id": "early"}))
                got = await recv_until(ws, "error")
                await ws.send(json.dumps(output("call_unknown")))
                got += await recv_until(ws, "error")
                await ws.send(json.dumps({"type": "session.thinking.append",
                                          "delegation_id": "dlg_x", "content": "x"}))
                got += await recv_until(ws, "error")
                await ws.send(json.dumps(output(call_ids[1])))
                await ws.send(json.dumps({"type": "response.create"}))
                got += await recv_until(ws, "response.event", inner="response.completed")
        return got, mock

    got, mock = run(scenario())
    errors = [e["error"] for e in got if e["type"] == "error"]
    assert errors[0]["code"] == "function_call_outputs_required"
    assert errors[0]["client_event_id"] == "early"
    assert (errors[1]["code"], errors[1]["param"]) == ("invalid_value", "item.call_id")
    assert (errors[2]["code"], errors[2]["param"]) == ("invalid_value", "delegation_id")
    (rnd,) = records(mock, "tool_round")
    assert rnd["response_creates"] == 2  # the refused one counts: the bridge sent two
    assert [v["code"] for v in records(mock, "violation")] == [
        "function_call_outputs_required", "invalid_value", "invalid_value"]


def test_close_reports_usage_seconds(tmp_path: Path) -> None:
    async def scenario() -> tuple[list[dict[str, Any]], float, int | None, MockLive]:
        m = Mock(timestamps=True)
        async with m as mock:
            async with connect(m.url()) as ws:
                await started(ws)
                t0 = time.monotonic()
                await asyncio.sleep(0.3)
                await ws.send(json.dumps({"type": "session.close", "event_id": "bye"}))
                got = await recv_until(ws, "session.closed")
                elapsed = time.monotonic() - t0
                with pytest.raises(ConnectionClosed):
                    await recv(ws)
                code = ws.close_code
        return got, elapsed, code, mock

    got, elapsed, code, mock = run(scenario())
    closed = got[-1]
    assert closed["reason"] == "close_requested" and closed["client_event_id"] == "bye"
    assert isinstance(closed["usage"]["seconds"], float)
    assert 0.3 <= closed["usage"]["seconds"] <= elapsed + 0.05
    assert closed["session"]["status"] == "active"
    assert code == 1000
    close_event = next(r for r in records(mock, "event") if r["event"]["type"] == "session.close")
    sent_closed = next(r for r in records(mock, "sent") if r["event"]["type"] == "session.closed")
    assert close_event["t"] <= sent_closed["t"]  # --timestamps: when session.close arrived
    assert records(mock, "closed")[0]["by"] == "server"
    assert_all_valid(got)


@pytest.mark.parametrize("burst", [False, True], ids=["paced", "burst"])
def test_greeting_pacing(burst: bool) -> None:
    async def scenario() -> tuple[list[tuple[float, dict[str, Any]]], float]:
        m = Mock(burst=burst, greeting_ms=400, echo=False)
        async with m:
            async with connect(m.url()) as ws:
                await started(ws)
                await ws.send(json.dumps({"type": "session.commentary.append", "event_id": "g",
                                          "delegation_id": None, "content": "Greet the caller."}))
                t0 = time.monotonic()
                got = []
                total = 0
                while total < len(speech_audio(PCMU, 400)):
                    event = await recv(ws)
                    got.append((time.monotonic(), event))
                    if event["type"] == "session.output_audio.delta":
                        total += len(base64.b64decode(event["delta"]))
        return got, t0

    got, t0 = run(scenario())
    events = [e for _, e in got]
    assert events[0]["type"] == "session.commentary.appended"
    assert events[0]["client_event_id"] == "g" and events[0]["end_ms"] >= events[0]["start_ms"]
    deltas = [e for e in events if e["type"] == "session.output_audio.delta"]
    assert len(deltas) == 20 and all(len(base64.b64decode(d["delta"])) == 160 for d in deltas)
    assert b"".join(base64.b64decode(d["delta"]) for d in deltas) == speech_audio(PCMU, 400)
    fragments = [e for e in events if e["type"] == "session.output_transcript.delta"]
    assert "".join(f["delta"] for f in fragments) == GREETING_TRANSCRIPT
    assert all(a["end_ms"] == b["start_ms"] for a, b in zip(fragments, fragments[1:]))
    assert fragments[-1]["end_ms"] - fragments[0]["start_ms"] == 400
    span = got[-1][0] - t0
    if burst:
        assert span < 0.15
    else:
        assert 0.33 <= span <= 0.9  # 20 deltas, one every 20 ms: the last at ≈ 380 ms
    assert_all_valid(events)


def test_transcripts_context_usage_and_expiry() -> None:
    async def scenario() -> tuple[list[dict[str, Any]], MockLive]:
        m = Mock(transcribe_after=2, usage_every_ms=100, expire_after_ms=600, echo=False)
        async with m as mock:
            async with connect(m.url()) as ws:
                await started(ws)
                for _ in range(2):
                    await ws.send(json.dumps(append(b"\xff" * 1600)))
                await ws.send(json.dumps({"type": "session.thinking.append", "event_id": "dtmf",
                                          "delegation_id": None, "content": "Caller pressed 1."}))
                await ws.send(json.dumps({"type": "session.instructions.append", "event_id": "i",
                                          "delegation_id": None, "content": "Be formal."}))
                got = await recv_until(ws, "session.closed")
        return got, mock

    got, mock = run(scenario())
    words = [e for e in got if e["type"] == "session.input_transcript.delta"]
    assert "".join(w["delta"] for w in words) == "hello from the caller"
    assert words[-1]["end_ms"] == 400  # two 200 ms appends of μ-law
    acks = {e["type"]: e["client_event_id"] for e in got if e["type"].endswith(".appended")}
    assert acks == {"session.thinking.appended": "dtmf", "session.instructions.appended": "i"}
    usage = [e["usage"]["seconds"] for e in got if e["type"] == "session.usage.updated"]
    assert len(usage) >= 3 and usage == sorted(usage)
    assert got[-1]["reason"] == "expired" and got[-1]["usage"]["seconds"] >= 0.6
    assert records(mock, "dropped") == [{"kind": "dropped", "conn": 1, "mode": "expire"}]
    thinking = [r["event"] for r in records(mock, "event")
                if r["event"]["type"] == "session.thinking.append"]
    assert thinking[0]["content"] == "Caller pressed 1."  # tests read DTMF from the records
    assert_all_valid(got)


def test_drop_after_appends_only_the_chosen_connection() -> None:
    async def scenario() -> tuple[int | None, int, MockLive]:
        m = Mock(drop_after=3, drop_which={1})
        async with m as mock:
            async with connect(m.url()) as ws:
                await started(ws)
                for _ in range(3):
                    await ws.send(json.dumps(append(b"\x01" * 160)))
                with pytest.raises(ConnectionClosed):
                    while True:
                        await recv(ws)
                first = ws.close_code
            async with connect(m.url()) as ws:
                await started(ws)
                for _ in range(5):
                    await ws.send(json.dumps(append(b"\x01" * 160)))
                echoed = sum([(await recv(ws))["type"] == "session.output_audio.delta"
                              for _ in range(5)])
        return first, echoed, mock

    first, echoed, mock = run(scenario())
    assert first == 1011 and echoed == 5
    assert records(mock, "dropped") == [{"kind": "dropped", "conn": 1, "mode": "close"}]


def test_cli_prints_listening_and_records(tmp_path: Path) -> None:
    record = tmp_path / "live.jsonl"
    help_text = subprocess.run([sys.executable, str(PEERS / "mock_live.py"), "--help"],
                               capture_output=True, text=True, check=True).stdout
    for option in ("--refuse-format", "--burst", "--greeting-ms", "--tool-call",
                   "--tool-call-after", "--transcribe-after", "--usage-every-ms", "--drop-after",
                   "--expire-after-ms", "--require-header", "--no-echo", "--record"):
        assert option in help_text
    proc = subprocess.Popen([sys.executable, str(PEERS / "mock_live.py"), "--plain", "--port", "0",
                             "--record", str(record), "--timestamps", "--burst",
                             "--refuse-format", "audio/pcmu"],
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("listening port=")
        port = int(line.split("port=")[1].split()[0])

        async def scenario() -> list[str]:
            async with connect(f"ws://127.0.0.1:{port}/v1/live/sessions") as ws:
                await ws.send(json.dumps(start_event(PCMU)))
                first = await recv(ws)
                await started(ws, {"type": "audio/pcma", "rate": 8000})
                return [first["type"], first["error"]["code"]]

        assert run(scenario()) == ["error", "invalid_value"]
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
    lines = [json.loads(x) for x in record.read_text().splitlines()]
    assert [r["kind"] for r in lines] == ["handshake", "event", "format_refused", "sent", "event",
                                          "sent", "summary", "closed"]
    assert all(isinstance(r["t"], float) for r in lines)
