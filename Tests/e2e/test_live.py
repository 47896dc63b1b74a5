"""GPT-Live (VOICE_API=live) through the built binary, against Tests/peers/mock_live.py.

The mock validates every client event the bridge sends against the official SDK's
`openai.types.live` models, and reports fields the models do not define (the service rejects
unknown fields in `session.start`); each test checks that it recorded no violation.
"""

from __future__ import annotations

import asyncio
import audioop  # Python 3.11 (deprecated, still present): μ-law for the resampled path's checks
import base64
import json
import math
import re
import time
from pathlib import Path
from typing import Any, Callable

import pytest
from harness import (
    OPENAI_KEY,
    BridgeProcess,
    ManagedProcess,
    MockProcess,
    caller_audio,
    launch_peer,
    parse_logfmt,
    run,
    wait_until,
)

from peers.certs import TestPKI
from peers.fake_twilio import FakeTwilioCall
from peers.mock_live import GREETING_TRANSCRIPT, speech_audio
from test_tools import TAVILY_KEY, TavilyProcess, start_tavily  # noqa: F401  (fixture)

PCMU = {"type": "audio/pcmu", "rate": 8000}
DEFAULT_GREETING = "Hello! How can I help you today?"


@pytest.fixture
def start_live(pki: TestPKI, tmp_path: Path, processes: list[ManagedProcess]
               ) -> Callable[..., MockProcess]:
    counter = iter(range(1, 100))

    def start(*args: str) -> MockProcess:
        cert, key = pki.localhost
        return launch_peer(MockProcess, f"live{next(counter)}", "mock_live.py",
                           ["--cert", str(cert), "--key", str(key), "--timestamps", *args],
                           tmp_path, processes)
    return start


def live_env(mock: MockProcess, pki: TestPKI, **extra: str) -> dict[str, str]:
    env = {"VOICE_API": "live", "OPENAI_API_KEY": OPENAI_KEY,
           "OPENAI_BASE_URL": f"https://localhost:{mock.port}/v1", "SSL_CERT_FILE": str(pki.ca),
           "PUBLIC_URL": "https://example.ngrok.app"}
    env.update(extra)
    return env


def records(mock: MockProcess, kind: str, conn: int | None = None) -> list[dict[str, Any]]:
    return [r for r in mock.records() if r["kind"] == kind and conn in (None, r.get("conn"))]


def events(mock: MockProcess, kind: str, conn: int = 1) -> list[dict[str, Any]]:
    """The client events of `type` kind on `conn`, as records (with `t`)."""
    return [r for r in records(mock, "event", conn) if r.get("event", {}).get("type") == kind]


def no_violations(mock: MockProcess) -> None:
    assert records(mock, "violation") == [], mock.report()


def log_lines(bridge: BridgeProcess, msg: str) -> list[dict[str, str]]:
    return [f for f in map(parse_logfmt, bridge.log_lines()) if f and f.get("msg") == msg]


def appended_audio(mock: MockProcess, conn: int = 1) -> bytes:
    return b"".join(base64.b64decode(r["event"]["audio"]) for r in events(mock, "session.input_audio.append", conn))


def test_openai_live_greeting_audio_both_ways_byte_exact_and_stop_closes_the_session(
        start_bridge: Callable[..., BridgeProcess], start_live: Callable[..., MockProcess],
        pki: TestPKI) -> None:
    mock = start_live("--greeting-ms", "400")
    bridge = start_bridge(live_env(mock, pki))
    audio = caller_audio(seed=71, frames=50)
    greeting = speech_audio(PCMU, 400)
    stop_sent: list[float] = []

    async def scenario() -> FakeTwilioCall:
        call = FakeTwilioCall(bridge.ws_url, pace=0.5)
        await call.connect()
        await call.start()
        await call.wait_for_audio(len(greeting), timeout=5)
        await call.send_audio(audio)
        await call.wait_for_audio(len(greeting) + len(audio), timeout=5)
        await asyncio.sleep(0.2)
        stop_sent.append(time.monotonic())
        await call.stop()
        return call

    call = run(scenario())
    assert call.violations == []
    received = b"".join(call.media_chunks)
    assert received == greeting + audio, "the greeting, then the caller's audio echoed, untouched"

    (handshake,) = mock.wait_handshakes(1)
    assert handshake["path"] == "/v1/live/sessions" and handshake["query"] == ""
    assert handshake["headers"]["authorization"] == f"Bearer {OPENAI_KEY}"
    assert "openai-beta" not in handshake["headers"]

    first = records(mock, "event", 1)[0]["event"]
    assert first["type"] == "session.start"
    session = first["session"]
    assert session["model"] == "gpt-live-1.1"
    assert session["audio"]["format"] == PCMU
    assert session["delegation"]["type"] == "responses"
    assert session["delegation"]["responses"]["model"] == "gpt-5.5"
    assert [t["name"] for t in session["delegation"]["responses"]["tools"]] == ["hang_up"]
    (commentary,) = events(mock, "session.commentary.append")
    assert commentary["event"]["content"] == DEFAULT_GREETING
    assert "delegation_id" in commentary["event"] and commentary["event"]["delegation_id"] is None
    assert appended_audio(mock) == audio, "every caller frame reaches the service untouched"
    assert "session.start" == records(mock, "event", 1)[0]["event"]["type"]
    types = {r["event"]["type"] for r in records(mock, "event", 1)}
    assert not types & {"response.cancel", "conversation.item.truncate", "input_audio_buffer.append",
                        "session.update", "conversation.item.create"}, types

    # Twilio's stop closes the session at once: it bills by the second.
    (close,) = wait_until(lambda: events(mock, "session.close") or None, 5)
    assert close["t"] - stop_sent[0] < 0.5, f"session.close {close['t'] - stop_sent[0]:.3f} s after stop"
    assert wait_until(lambda: log_lines(bridge, "provider session closed"), 5)
    (closed_line,) = log_lines(bridge, "provider session closed")
    assert closed_line["reason"] == "close_requested" and float(closed_line["seconds"]) > 0
    (started,) = log_lines(bridge, "GPT-Live session started")
    assert started["format"] == "audio/pcmu/8000" and started["resampled"] == "false"
    no_violations(mock)


@pytest.mark.flaky(reruns=1)
def test_a_function_call_through_delegation_is_answered_once_then_one_response_create(
        start_bridge: Callable[..., BridgeProcess], start_live: Callable[..., MockProcess],
        start_tavily: Callable[..., TavilyProcess], pki: TestPKI) -> None:
    tavily = start_tavily()
    mock = start_live("--tool-call", 'web_search:{"query":"weather in Paris"}', "--tool-call-after", "5",
                      "--answer-ms", "200", "--no-echo")
    bridge = start_bridge(live_env(mock, pki, GREETING="", TAVILY_API_KEY=TAVILY_KEY,
                                   TAVILY_BASE_URL=f"https://localhost:{tavily.port}"))
    audio = caller_audio(seed=72, frames=100)
    answer = speech_audio(PCMU, 200, kind="answer")

    async def scenario() -> FakeTwilioCall:
        call = FakeTwilioCall(bridge.ws_url, pace=1.0)
        await call.connect()
        await call.start()
        await call.send_audio(audio)
        await call.wait_for_audio(len(answer), timeout=8)
        await asyncio.sleep(0.2)
        await call.stop()
        return call

    call = run(scenario())
    assert call.violations == []
    tools = records(mock, "event", 1)[0]["event"]["session"]["delegation"]["responses"]["tools"]
    assert sorted(t["name"] for t in tools) == ["hang_up", "web_search"]
    (round_,) = wait_until(lambda: records(mock, "tool_round") or None, 5)
    assert list(round_["outputs"].values()) == [1], round_
    assert round_["response_creates"] == 1
    (output,) = events(mock, "response.item.create")
    item = output["event"]["item"]
    assert item["type"] == "function_call_output" and item["call_id"] == round_["call_ids"][0]
    assert json.loads(item["output"])["answer"] == "Mock answer about weather in Paris."
    (create,) = events(mock, "response.create")
    assert create["t"] > output["t"], "the outputs first, then one response.create"
    assert len(tavily.records("request")) == 1
    assert b"".join(call.media_chunks) == answer, "the spoken answer reached the caller, untouched"
    no_violations(mock)


def test_hang_up_waits_for_the_goodbye_then_session_close(
        start_bridge: Callable[..., BridgeProcess], start_live: Callable[..., MockProcess],
        pki: TestPKI) -> None:
    mock = start_live("--tool-call", "hang_up:{}", "--tool-call-after", "3", "--answer-ms", "600", "--no-echo")
    bridge = start_bridge(live_env(mock, pki, GREETING=""))
    answer = speech_audio(PCMU, 600, kind="answer")

    async def scenario() -> FakeTwilioCall:
        call = FakeTwilioCall(bridge.ws_url, pace=1.0)
        await call.connect()
        await call.start()
        sending = asyncio.create_task(call.send_audio(bytes([0xFF]) * 160 * 400))  # line silence, 8 s
        await asyncio.wait_for(call.closed.wait(), 15)
        sending.cancel()
        return call

    call = run(scenario(), timeout=30)
    assert call.closed_by_bridge and call.close_code == 1000
    assert b"".join(call.media_chunks) == answer, "the whole goodbye was sent before the call ended"
    (close,) = wait_until(lambda: events(mock, "session.close") or None, 5)  # the mock records it a moment later
    last_goodbye = max(r["t"] for r in records(mock, "sent", 1) if r["event"]["type"] == "session.output_audio.delta")
    assert close["t"] >= last_goodbye + 0.5, "the goodbye played out before session.close"
    (ended,) = log_lines(bridge, "assistant ended the call")
    assert ended["why"] == "goodbye played"
    assert wait_until(lambda: log_lines(bridge, "call ended"), 5)[0]["outcome"] == "completed"
    no_violations(mock)


def test_dtmf_transcripts_and_usage_in_seconds(
        start_bridge: Callable[..., BridgeProcess], start_live: Callable[..., MockProcess],
        pki: TestPKI, tmp_path: Path) -> None:
    mock = start_live("--greeting-ms", "300", "--transcribe-after", "5", "--usage-every-ms", "300")
    transcripts = tmp_path / "transcripts"
    bridge = start_bridge(live_env(mock, pki, TRANSCRIPTS_DIR=str(transcripts)))

    async def scenario() -> FakeTwilioCall:
        call = FakeTwilioCall(bridge.ws_url, pace=1.0)
        await call.connect()
        await call.start()
        await call.send_audio(caller_audio(seed=73, frames=60))
        await call.send_dtmf("7")
        await asyncio.sleep(1.2)  # the turns end after 0.8 s of quiet
        await call.stop()
        return call

    call = run(scenario())
    (thinking,) = wait_until(lambda: events(mock, "session.thinking.append") or None, 5)
    assert "7" in thinking["event"]["content"] and thinking["event"]["delegation_id"] is None
    path = transcripts / f"{call.call_sid}.jsonl"
    lines = wait_until(lambda: path.exists() and [json.loads(x) for x in path.read_text().splitlines()], 5)
    said = [(line["role"], line["text"]) for line in lines]
    assert ("assistant", GREETING_TRANSCRIPT) in said, said
    assert ("caller", "hello from the caller") in said, said
    (closed_line,) = wait_until(lambda: log_lines(bridge, "provider session closed") or None, 5)
    assert float(closed_line["seconds"]) >= 1.0
    (ended,) = log_lines(bridge, "call ended")
    assert float(ended["usage_live_s"]) >= 0.3, "session.usage.updated seconds counted during the call"
    no_violations(mock)


def test_a_service_that_refuses_pcmu_gets_pcm16_resampled_both_ways(
        start_bridge: Callable[..., BridgeProcess], start_live: Callable[..., MockProcess],
        pki: TestPKI) -> None:
    mock = start_live("--refuse-format", "audio/pcmu", "--greeting-ms", "200")
    bridge = start_bridge(live_env(mock, pki))
    tone = sine_ulaw(440, frames=100)

    async def scenario() -> FakeTwilioCall:
        call = FakeTwilioCall(bridge.ws_url, pace=1.0)
        await call.connect()
        await call.start()
        await call.wait_for_audio(1600, timeout=5)  # the greeting, 200 ms
        await call.send_audio(tone)
        await call.wait_for_audio(1600 + len(tone), timeout=5)
        await asyncio.sleep(0.2)
        await call.stop()
        return call

    call = run(scenario())
    starts = events(mock, "session.start")
    assert [s["event"]["session"]["audio"]["format"] for s in starts] == [PCMU, {"type": "audio/pcm", "rate": 24000}]
    appends = [base64.b64decode(r["event"]["audio"]) for r in events(mock, "session.input_audio.append")]
    assert appends and all(len(a) == 960 for a in appends), "160 μ-law bytes become 480 samples of PCM16 at 24 kHz"
    echoed = b"".join(call.media_chunks)[1600:]
    assert len(echoed) == len(tone)
    assert best_correlation(tone, echoed) > 0.95, "the tone survives μ-law → 24 kHz → μ-law"
    (started,) = log_lines(bridge, "GPT-Live session started")
    assert started["format"] == "audio/pcm/24000" and started["resampled"] == "true"
    no_violations(mock)


@pytest.mark.flaky(reruns=1)
def test_output_sent_in_a_burst_is_paced_to_twilio(
        start_bridge: Callable[..., BridgeProcess], start_live: Callable[..., MockProcess],
        pki: TestPKI) -> None:
    mock = start_live("--burst", "--greeting-ms", "2000")
    bridge = start_bridge(live_env(mock, pki))
    greeting = speech_audio(PCMU, 2000)

    async def scenario() -> FakeTwilioCall:
        call = FakeTwilioCall(bridge.ws_url, pace=1.0)
        await call.connect()
        await call.start()
        await call.wait_for_audio(len(greeting), timeout=6)
        await call.stop()
        return call

    call = run(scenario())
    assert b"".join(call.media_chunks) == greeting
    # Without pacing 2 s of audio lands in a few ms; paced, Twilio never holds more than ~100 ms.
    start = call.media_times[0]
    for t, received in zip(call.media_times, accumulate(len(c) for c in call.media_chunks)):
        ahead_ms = received / 8 - (t - start) * 1000
        assert ahead_ms <= 220, f"{ahead_ms:.0f} ms queued at Twilio"
    assert call.media_times[-1] - start >= 1.6
    no_violations(mock)


def test_azure_live_url_and_api_key(start_bridge: Callable[..., BridgeProcess],
                                    start_live: Callable[..., MockProcess], pki: TestPKI) -> None:
    mock = start_live("--greeting-ms", "100")
    env = {"VOICE_API": "live", "USE_AZURE_OPENAI": "true", "AZURE_OPENAI_API_KEY": "az-live-key-Secret-1",
           "AZURE_OPENAI_ENDPOINT": f"https://localhost:{mock.port}", "AZURE_OPENAI_DEPLOYMENT": "gpt-live-1",
           "SSL_CERT_FILE": str(pki.ca), "PUBLIC_URL": "https://example.ngrok.app"}
    bridge = start_bridge(env)

    async def scenario() -> FakeTwilioCall:
        call = FakeTwilioCall(bridge.ws_url, pace=1.0)
        await call.connect()
        await call.start()
        await call.wait_for_audio(800, timeout=5)
        await call.stop()
        return call

    run(scenario())
    (handshake,) = mock.wait_handshakes(1)
    assert handshake["path"] == "/openai/v1/live/sessions" and handshake["query"] == ""
    assert handshake["headers"]["api-key"] == "az-live-key-Secret-1"
    assert records(mock, "event", 1)[0]["event"]["session"]["model"] == "gpt-live-1"
    assert "az-live-key-Secret-1" not in bridge.stdout() + bridge.stderr()
    no_violations(mock)


def test_a_dropped_live_session_is_reopened_with_the_conversation_as_input(
        start_bridge: Callable[..., BridgeProcess], start_live: Callable[..., MockProcess],
        pki: TestPKI) -> None:
    mock = start_live("--greeting-ms", "200", "--transcribe-after", "3", "--drop-after", "60", "--drop-which", "1")
    bridge = start_bridge(live_env(mock, pki))

    async def scenario() -> FakeTwilioCall:
        call = FakeTwilioCall(bridge.ws_url, pace=1.0)
        await call.connect()
        await call.start()
        await call.send_audio(caller_audio(seed=74, frames=120))
        await asyncio.sleep(0.5)
        await call.stop()
        return call

    run(scenario(), timeout=30)
    mock.wait_handshakes(2)
    (restart,) = wait_until(lambda: events(mock, "session.start", conn=2) or None, 5)
    history = [(m["role"], m["content"][0]["text"]) for m in restart["event"]["session"]["input"]]
    assert ("assistant", GREETING_TRANSCRIPT) in history and ("user", "hello from the caller") in history, history
    (resume,) = events(mock, "session.commentary.append", conn=2)
    assert "back" in resume["event"]["content"]
    no_violations(mock)


def test_check_probes_session_start_and_prints_the_resolved_format(
        run_bridge: Callable[..., Any], start_live: Callable[..., MockProcess], pki: TestPKI) -> None:
    good = start_live()
    done = run_bridge("check", env=live_env(good, pki, PUBLIC_URL=""))
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"^✔ configuration: valid — provider openai, GPT-Live \(backend gpt-5.5, web search off\)$", done.stdout, re.M)
    subject = f"openai localhost:{good.port}/gpt-live-1.1 \\(live\\)"
    assert re.search(rf"^✔ {subject}: WebSocket upgrade — HTTP 101, GPT-Live", done.stdout, re.M), done.stdout
    assert re.search(rf"^✔ {subject}: session.start — session.started, audio audio/pcmu at 8000 Hz: μ-law passes "
                     rf"through untouched", done.stdout, re.M), done.stdout
    assert wait_until(lambda: events(good, "session.close") or None, 5), "the probe's session is closed at once"
    no_violations(good)

    pcm_only = start_live("--refuse-format", "audio/pcmu")
    done = run_bridge("check", env=live_env(pcm_only, pki, PUBLIC_URL=""))
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"^! .*session.start: the service refused audio/pcmu", done.stdout, re.M), done.stdout
    assert re.search(r"^✔ .*session.start — session.started, audio audio/pcm at 24000 Hz: resampled", done.stdout, re.M)
    no_violations(pcm_only)


def test_simulate_runs_the_live_path_on_the_local_parrot(run_bridge: Callable[..., Any],
                                                          start_bridge: Callable[..., BridgeProcess],
                                                          tmp_path: Path) -> None:
    bridge = start_bridge({"VOICE_API": "live"})
    wav = tmp_path / "hello.wav"
    write_ulaw_wav(wav, sine_ulaw(440, frames=50) + bytes([0xFF]) * 160 * 60)
    done = run_bridge("simulate", "--wav", str(wav), "--out", str(tmp_path / "reply.wav"), "--url", bridge.ws_url,
                      timeout=30)
    assert done.returncode == 0, done.stderr
    assert "received" in done.stderr + done.stdout
    assert wait_until(lambda: log_lines(bridge, "GPT-Live session started"), 5)
    assert (tmp_path / "reply.wav").stat().st_size > 44 + 8000, "the chime and the parrot's repeat came back"


# --- audio helpers ---------------------------------------------------------------------------

def accumulate(values: Any) -> list[int]:
    total, out = 0, []
    for v in values:
        total += v
        out.append(total)
    return out


def sine_ulaw(hz: float, frames: int) -> bytes:
    samples = b"".join(int(8000 * math.sin(2 * math.pi * hz * i / 8000)).to_bytes(2, "little", signed=True)
                       for i in range(frames * 160))
    return audioop.lin2ulaw(samples, 2)


def best_correlation(a_ulaw: bytes, b_ulaw: bytes) -> float:
    a = memoryview(audioop.ulaw2lin(a_ulaw, 2)).cast("h").tolist()
    b = memoryview(audioop.ulaw2lin(b_ulaw, 2)).cast("h").tolist()
    best = 0.0
    for lag in range(0, 80):  # the filters' delay is a few ms
        x, y = a[400:len(a) - 400], b[400 + lag:len(b) - 400 + lag]
        n = min(len(x), len(y))
        num = sum(x[i] * y[i] for i in range(n))
        den = math.sqrt(sum(v * v for v in x[:n]) * sum(v * v for v in y[:n])) or 1
        best = max(best, num / den)
    return best


def write_ulaw_wav(path: Path, audio: bytes) -> None:
    """A μ-law WAV (format 7), by hand: the `wave` module writes PCM only."""
    header = b"RIFF" + (50 + len(audio)).to_bytes(4, "little") + b"WAVE"
    fmt = (b"fmt " + (18).to_bytes(4, "little") + (7).to_bytes(2, "little") + (1).to_bytes(2, "little")
           + (8000).to_bytes(4, "little") + (8000).to_bytes(4, "little") + (1).to_bytes(2, "little")
           + (8).to_bytes(2, "little") + (0).to_bytes(2, "little"))
    fact = b"fact" + (4).to_bytes(4, "little") + len(audio).to_bytes(4, "little")
    path.write_bytes(header + fmt + fact + b"data" + len(audio).to_bytes(4, "little") + audio)
