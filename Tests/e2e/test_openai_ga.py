"""OpenAI GA: a call through the bridge to the mock provider over wss://.

The first test keeps both ends foreign: the caller is a raw `websockets` client speaking
PROTOCOLS.md §1 inline (no helper of ours), the provider is the `websockets`-based mock.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import time
from pathlib import Path
from typing import Any, Callable

import pytest

from harness import (
    OPENAI_KEY,
    BridgeProcess,
    MockProcess,
    caller_audio,
    echo_call,
    first_append,
    first_difference,
    openai_env,
    parse_logfmt,
    run,
    wait_until,
)
from websockets.asyncio.client import connect

from peers.certs import TestPKI
from peers.mock_provider import GREETING_AUDIO
from peers.realtime_schema import check_events

STREAM_SID = "MZ" + "5" * 32
CALL_SID = "CA" + "7" * 32


def assert_ga_handshake(hs: dict[str, Any], model: str = "gpt-realtime-2.1") -> None:
    assert hs["path"] == "/v1/realtime"
    assert hs["params"] == {"model": model}
    assert hs["headers"].get("authorization") == f"Bearer {OPENAI_KEY}"
    assert "openai-beta" not in hs["headers"]
    assert "api-key" not in hs["headers"]
    # PROTOCOLS.md §5: never offer permessage-deflate.
    assert "deflate" not in hs["headers"].get("sec-websocket-extensions", "")


def assert_ga_session_update(event: dict[str, Any]) -> None:
    assert event["type"] == "session.update"
    session = event["session"]
    assert session["type"] == "realtime"
    assert session["audio"]["input"]["format"]["type"] == "audio/pcmu"
    assert session["audio"]["output"]["format"]["type"] == "audio/pcmu"


def test_ga_call_between_raw_websockets_peers(start_bridge: Callable[..., BridgeProcess],
                                             start_mock: Callable[..., MockProcess],
                                             pki: TestPKI) -> None:
    mock = start_mock()
    bridge = start_bridge(openai_env(mock, pki))
    assert bridge.wait_for_log(r"\bprovider=openai\b", 1), "no provider=openai log line"
    audio = caller_audio(seed=1, frames=30)
    payloads = [base64.b64encode(audio[i:i + 160]).decode() for i in range(0, len(audio), 160)]
    expected = GREETING_AUDIO + audio

    async def caller() -> tuple[list[dict[str, Any]], float]:
        received: list[dict[str, Any]] = []
        seq = itertools.count(1)  # sequenceNumber: a JSON string counting from 1
        async with connect(bridge.ws_url, compression=None) as ws:
            await ws.send(json.dumps({"event": "connected", "protocol": "Call",
                                      "version": "1.0.0"}))
            await ws.send(json.dumps({
                "event": "start", "sequenceNumber": str(next(seq)), "streamSid": STREAM_SID,
                "start": {"accountSid": "AC" + "1" * 32, "streamSid": STREAM_SID,
                          "callSid": CALL_SID, "tracks": ["inbound"],
                          "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000,
                                          "channels": 1},
                          "customParameters": {"From": "+15551234567", "CallSid": CALL_SID}}}))
            for n, payload in enumerate(payloads):
                await ws.send(json.dumps({
                    "event": "media", "sequenceNumber": str(next(seq)), "streamSid": STREAM_SID,
                    "media": {"track": "inbound", "chunk": str(n + 1),
                              "timestamp": str(n * 20), "payload": payload}}))
                await asyncio.sleep(0.005)

            def got() -> bytes:
                return b"".join(base64.b64decode(m["media"]["payload"])
                                for m in received if m.get("event") == "media")
            deadline = time.monotonic() + 10
            while len(got()) < len(expected) and time.monotonic() < deadline:
                try:
                    message = await asyncio.wait_for(ws.recv(), deadline - time.monotonic())
                except asyncio.TimeoutError:
                    break
                assert isinstance(message, str), "Twilio rejects binary frames (31950)"
                msg = json.loads(message)
                received.append(msg)
                if msg.get("event") == "mark":  # say it played (no playback clock here)
                    await ws.send(json.dumps({"event": "mark", "sequenceNumber": str(next(seq)),
                                              "streamSid": STREAM_SID, "mark": msg["mark"]}))
            await ws.send(json.dumps({"event": "stop", "sequenceNumber": str(next(seq)),
                                      "streamSid": STREAM_SID,
                                      "stop": {"accountSid": "AC" + "1" * 32,
                                               "callSid": CALL_SID}}))
            stopped_at = time.monotonic()
        return received, stopped_at

    received, stopped_at = run(caller())

    # Provider side: the bridge's handshake and the events it sent.
    (hs,) = mock.handshakes()
    assert_ga_handshake(hs)
    events = mock.client_events(1)
    assert_ga_session_update(events[0])
    types = [e["type"] for e in events]
    assert "response.create" in types, "default GREETING but no response.create"
    assert types.index("response.create") < first_append(types), \
        "the greeting's response.create must come before the caller's audio"
    appends = [e for e in events if e["type"] == "input_audio_buffer.append"]
    assert [e["audio"] for e in appends] == payloads  # same order, byte-for-byte unchanged

    # Caller side: media only, our streamSid, the provider's deltas concatenated.
    media = [m for m in received if m.get("event") == "media"]
    assert media, f"no media reached the caller: {received[:5]}"
    assert all(m["streamSid"] == STREAM_SID for m in received if "streamSid" in m)
    assert {m.get("event") for m in received} <= {"media", "mark", "clear"}
    audio_back = b"".join(base64.b64decode(m["media"]["payload"]) for m in media)
    assert audio_back == expected, first_difference(audio_back, expected)

    closed = mock.wait_closed(1, timeout=2.0)
    assert closed is not None, "bridge did not close the provider socket within 2 s of stop"
    assert closed["by"] == "client", \
        f"the bridge dropped the provider connection without a close handshake: {closed}"
    assert time.monotonic() - stopped_at < 3.0
    assert [e for e in mock.sent_events(1) if e["type"] == "error"] == []

    lines = [ln for ln in bridge.log_lines() if ln.strip()]
    bad = [ln for ln in lines if not (parse_logfmt(ln) or {}).keys() >= {"level", "msg"}]
    assert bad == [], "stderr lines that are not logfmt with level= and msg=:\n" + "\n".join(bad)


def test_ga_client_events_match_openai_sdk(start_bridge: Callable[..., BridgeProcess],
                                           start_mock: Callable[..., MockProcess],
                                           pki: TestPKI) -> None:
    mock = start_mock()
    bridge = start_bridge(openai_env(mock, pki, INSTRUCTIONS="Answer in one short sentence.",
                                     VOICE="cedar"))
    audio = caller_audio(seed=2, frames=10)
    call = run(echo_call(bridge.ws_url, audio, GREETING_AUDIO + audio))
    assert call.violations == []
    mock.wait_closed(1, 2.0)
    events = mock.client_events(1)
    assert check_events(events, "ga", "client") == []
    session = events[0]["session"]
    assert session["instructions"] == "Answer in one short sentence."
    assert session["audio"]["output"]["voice"] == "cedar"


def test_ga_no_response_create_when_greeting_empty(start_bridge: Callable[..., BridgeProcess],
                                                   start_mock: Callable[..., MockProcess],
                                                   pki: TestPKI) -> None:
    mock = start_mock()
    bridge = start_bridge(openai_env(mock, pki, GREETING=""))
    audio = caller_audio(seed=3, frames=15)
    call = run(echo_call(bridge.ws_url, audio, audio))
    assert call.audio == audio, first_difference(call.audio, audio)
    assert mock.wait_closed(1, 2.0)
    types = [e["type"] for e in mock.client_events(1)]
    assert types[0] == "session.update"
    assert "response.create" not in types
    assert types.count("input_audio_buffer.append") == 15


def test_ga_model_from_env(start_bridge: Callable[..., BridgeProcess],
                           start_mock: Callable[..., MockProcess], pki: TestPKI) -> None:
    mock = start_mock()
    bridge = start_bridge(openai_env(mock, pki, OPENAI_REALTIME_MODEL="gpt-realtime-mini"))
    audio = caller_audio(seed=4, frames=3)
    run(echo_call(bridge.ws_url, audio, GREETING_AUDIO + audio))
    assert_ga_handshake(mock.handshakes()[0], model="gpt-realtime-mini")


def test_stop_without_close_closes_provider(start_bridge: Callable[..., BridgeProcess],
                                            start_mock: Callable[..., MockProcess],
                                            pki: TestPKI) -> None:
    mock = start_mock()
    bridge = start_bridge(openai_env(mock, pki))
    audio = caller_audio(seed=5, frames=5)

    async def scenario() -> float:
        call = await echo_call(bridge.ws_url, audio, GREETING_AUDIO + audio, stop=False)
        await call.stop(close=False)  # Twilio sends stop; the socket stays open a moment
        t0 = time.monotonic()
        closed = await asyncio.to_thread(mock.wait_closed, 1, 2.0)
        elapsed = time.monotonic() - t0
        await call.close()
        assert closed is not None, "provider socket still open 2 s after stop"
        return elapsed

    assert run(scenario()) < 2.0


def test_caller_hangup_without_stop_closes_provider(start_bridge: Callable[..., BridgeProcess],
                                                    start_mock: Callable[..., MockProcess],
                                                    pki: TestPKI) -> None:
    mock = start_mock()
    bridge = start_bridge(openai_env(mock, pki))
    audio = caller_audio(seed=6, frames=5)

    async def scenario() -> None:
        call = await echo_call(bridge.ws_url, audio, GREETING_AUDIO + audio, stop=False)
        await call.close()  # no stop event: the caller's socket just goes away
    run(scenario())
    assert mock.wait_closed(1, 2.0) is not None, "provider socket still open 2 s after hang-up"
    assert bridge.alive()


def test_audio_before_provider_accepts_is_kept(start_bridge: Callable[..., BridgeProcess],
                                               start_mock: Callable[..., MockProcess],
                                               pki: TestPKI) -> None:
    """Media that arrives while the provider handshake is still pending must not be lost."""
    mock = start_mock("--delay-accept", "800")
    bridge = start_bridge(openai_env(mock, pki, GREETING=""))
    audio = caller_audio(seed=7, frames=20)
    call = run(echo_call(bridge.ws_url, audio, audio, pace=0.0))
    assert mock.wait_closed(1, 3.0)
    appends = [e["audio"] for e in mock.client_events(1)
               if e["type"] == "input_audio_buffer.append"]
    assert appends == call.sent_payloads
    assert call.audio == audio, first_difference(call.audio, audio)


def test_marks_from_the_bridge_are_well_formed(start_bridge: Callable[..., BridgeProcess],
                                               start_mock: Callable[..., MockProcess],
                                               pki: TestPKI) -> None:
    """Whatever the bridge sends besides media (marks, clears) must be valid Twilio messages."""
    mock = start_mock()
    bridge = start_bridge(openai_env(mock, pki))
    audio = caller_audio(seed=8, frames=25)
    call = run(echo_call(bridge.ws_url, audio, GREETING_AUDIO + audio, pace=1.0))
    assert call.violations == []
    assert wait_until(lambda: mock.closed(1), 2.0)


@pytest.mark.parametrize("delay_accept_ms", [0, 300])
def test_caller_audio_batch_ms_sends_larger_chunks_in_order(start_bridge: Callable[..., BridgeProcess],
                                                            start_mock: Callable[..., MockProcess],
                                                            pki: TestPKI, delay_accept_ms: int) -> None:
    """CALLER_AUDIO_BATCH_MS=60: the caller's 20 ms frames reach the provider three at a time,
    re-encoded as one padded base64 chunk, in order — also when some arrived while the provider
    handshake was pending (those go first, as they came)."""
    mock = start_mock(*(["--delay-accept", str(delay_accept_ms)] if delay_accept_ms else []))
    bridge = start_bridge(openai_env(mock, pki, GREETING="", CALLER_AUDIO_BATCH_MS="60"))
    audio = caller_audio(seed=61, frames=40)  # real time: 800 ms, most of it after the handshake
    call = run(echo_call(bridge.ws_url, audio, audio[:36 * 160], pace=1.0))
    assert mock.wait_closed(1, 3.0)
    chunks = [base64.b64decode(e["audio"], validate=True) for e in mock.client_events(1)
              if e["type"] == "input_audio_buffer.append"]
    joined = b"".join(chunks)
    assert audio.startswith(joined) and len(joined) >= 38 * 160, "caller audio lost or reordered"
    assert call.audio == joined, first_difference(call.audio, joined)
    sizes = [len(c) for c in chunks]
    if delay_accept_ms:
        assert 160 in sizes, "frames from before the provider accepted go as they came"
    tail = sizes[sizes.index(480):] if 480 in sizes else []
    assert tail and all(size == 480 for size in tail), sizes
    assert len(tail) >= 5


# -- reasoning models (gpt-realtime-2.1, the default) ------------------------------------------


def test_the_default_model_is_gpt_realtime_2_1_with_low_reasoning_valid_for_the_sdk(
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        pki: TestPKI) -> None:
    mock = start_mock()
    bridge = start_bridge(openai_env(mock, pki))
    audio = caller_audio(seed=5, frames=3)
    run(echo_call(bridge.ws_url, audio, GREETING_AUDIO + audio))
    assert_ga_handshake(mock.handshakes()[0], model="gpt-realtime-2.1")
    mock.wait_closed(1, 2.0)
    events = mock.client_events(1)
    assert check_events(events, "ga", "client") == []
    assert events[0]["session"]["reasoning"] == {"effort": "low"}
    assert "parallel_tool_calls" not in events[0]["session"]
    assert "shuts down" not in bridge.stderr()


def test_reasoning_effort_and_parallel_tool_calls_reach_the_session(
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        pki: TestPKI) -> None:
    mock = start_mock()
    bridge = start_bridge(openai_env(mock, pki, REASONING_EFFORT="xhigh", PARALLEL_TOOL_CALLS="false"))
    audio = caller_audio(seed=6, frames=3)
    run(echo_call(bridge.ws_url, audio, GREETING_AUDIO + audio))
    mock.wait_closed(1, 2.0)
    events = mock.client_events(1)
    assert check_events(events, "ga", "client") == []  # fields the SDK's RealtimeSessionCreateRequest defines
    session = events[0]["session"]
    assert session["reasoning"] == {"effort": "xhigh"} and session["parallel_tool_calls"] is False


def test_a_model_that_shuts_down_is_named_at_start_with_its_date_and_replacement(
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        pki: TestPKI, tmp_path: Path) -> None:
    mock = start_mock()
    table = Path(__file__).resolve().parents[2] / "config" / "model-deprecations.json"
    bridge = start_bridge(openai_env(mock, pki, OPENAI_REALTIME_MODEL="gpt-realtime",
                                     MODEL_DEPRECATIONS_FILE=str(table), REASONING_EFFORT="high"))
    line = bridge.wait_for_log(r"the realtime model shuts down soon", 3)
    assert line and "model=gpt-realtime " in line and "shutdown=2027-01-20" in line \
        and "replacement=gpt-realtime-2.1" in line, bridge.stderr()
    audio = caller_audio(seed=7, frames=3)
    run(echo_call(bridge.ws_url, audio, GREETING_AUDIO + audio))
    mock.wait_closed(1, 2.0)
    assert "reasoning" not in mock.client_events(1)[0]["session"], "gpt-realtime takes no reasoning"
    # Past the date the same table makes it an error (a table dated yesterday stands in for the future).
    past = tmp_path / "past.json"
    past.write_text(json.dumps({"models": [{"model": "gpt-realtime", "shutdown": "2020-01-01",
                                            "replacement": "gpt-realtime-2.1"}]}))
    later = start_bridge(openai_env(mock, pki, OPENAI_REALTIME_MODEL="gpt-realtime", MODEL_DEPRECATIONS_FILE=str(past)))
    assert later.wait_for_log(r"level=error.*has shut down.*replacement=gpt-realtime-2.1", 3), later.stderr()


def test_a_preamble_is_played_and_marked_in_the_transcript(
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        pki: TestPKI, tmp_path: Path) -> None:
    mock = start_mock("--greeting-phase", "commentary")
    transcripts = tmp_path / "transcripts"
    bridge = start_bridge(openai_env(mock, pki, TRANSCRIPTS_DIR=str(transcripts)))
    audio = caller_audio(seed=8, frames=3)
    call = run(echo_call(bridge.ws_url, audio, GREETING_AUDIO + audio))
    path = transcripts / f"{call.call_sid}.jsonl"
    assert wait_until(lambda: path.exists() and "assistant" in path.read_text(), 5), "no transcript"
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    said = [line for line in lines if line.get("role") == "assistant"]
    assert said and said[0]["phase"] == "commentary", lines
