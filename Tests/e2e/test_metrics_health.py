"""GET /metrics read by Prometheus's own parser (prometheus_client), /healthz and /readyz."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Callable

from harness import (
    BridgeProcess,
    MockProcess,
    caller_audio,
    echo_call,
    openai_env,
    parse_logfmt,
    run,
    wait_until,
)
from prometheus_client.parser import text_string_to_metric_families

from peers.audio_tools import WAVE_FORMAT_MULAW, pcm16_silence, pcm16_tone, ulaw_encode, write_wav
from peers.certs import TestPKI
from peers.mock_provider import GREETING_AUDIO, GREETING_DELTA_BYTES

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def get(url: str, method: str = "GET") -> tuple[int, str, str]:
    req = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, resp.headers.get("Content-Type", ""), resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("Content-Type", ""), err.read().decode()


class Scrape:
    """One /metrics document, parsed by prometheus_client."""

    def __init__(self, bridge: BridgeProcess) -> None:
        status, ctype, self.text = get(f"{bridge.http_url}/metrics")
        assert status == 200 and ctype == CONTENT_TYPE, (status, ctype)
        self.families = {f.name: f for f in text_string_to_metric_families(self.text)}

    def value(self, sample: str, **labels: str) -> float:
        for family in self.families.values():
            for s in family.samples:
                if s.name == sample and all(s.labels.get(k) == v for k, v in labels.items()):
                    return s.value
        raise AssertionError(f"no sample {sample}{labels} in\n{self.text}")

    def type_of(self, family: str) -> str:
        return self.families[family].type


def wait_ended(bridge: BridgeProcess, n: int, timeout: float = 5.0) -> None:
    assert wait_until(lambda: sum("call ended" in ln for ln in bridge.log_lines()) >= n, timeout), \
        bridge.stderr()


def test_metrics_count_a_call_and_parse_with_prometheus_client(
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        pki: TestPKI) -> None:
    mock = start_mock()
    bridge = start_bridge(openai_env(mock, pki))
    frames = 25
    audio = caller_audio(seed=61, frames=frames)
    run(echo_call(bridge.ws_url, audio, GREETING_AUDIO + audio))
    wait_ended(bridge, 1)

    m = Scrape(bridge)
    assert m.text.endswith("\n")
    expected_types = {
        "voice_bridge_active_calls": "gauge", "voice_bridge_max_calls": "gauge",
        "voice_bridge_calls": "counter", "voice_bridge_provider_handshake_seconds": "histogram",
        "voice_bridge_first_audio_seconds": "histogram", "voice_bridge_media_frames": "counter",
        "voice_bridge_audio_bytes": "counter", "voice_bridge_tool_calls": "counter",
        "process_open_fds": "gauge", "process_resident_memory_bytes": "gauge",
        "voice_bridge_ready": "gauge", "voice_bridge_draining": "gauge",
    }
    for family, kind in expected_types.items():
        assert m.type_of(family) == kind, family

    assert m.value("voice_bridge_active_calls") == 0
    assert m.value("voice_bridge_calls_total", outcome="caller_hung_up") == 1
    for outcome in ("completed", "provider_refused", "provider_dropped", "rejected_signature",
                    "rejected_busy", "buffer_overflow", "drain_timeout"):
        assert m.value("voice_bridge_calls_total", outcome=outcome) == 0
    assert m.value("voice_bridge_provider_handshake_seconds_count") == 1
    assert m.value("voice_bridge_provider_handshake_seconds_bucket", le="+Inf") == 1
    assert 0 < m.value("voice_bridge_provider_handshake_seconds_sum") < 10
    # The mock echoes each append as one delta after the greeting's deltas; the bridge may
    # coalesce deltas into fewer media messages, and counts what it sent, as its log line does.
    greeting_deltas = len(GREETING_AUDIO) // GREETING_DELTA_BYTES
    ended = next(ln for ln in bridge.log_lines() if "call ended" in ln)
    frames_out = int(parse_logfmt(ended)["frames_out"])
    assert m.value("voice_bridge_media_frames_total", direction="from_caller") == frames
    assert m.value("voice_bridge_media_frames_total", direction="to_caller") == frames_out
    assert 0 < frames_out <= frames + greeting_deltas
    assert m.value("voice_bridge_audio_bytes_total", direction="from_caller") == len(audio)
    assert m.value("voice_bridge_audio_bytes_total", direction="to_caller") == len(GREETING_AUDIO) + len(audio)
    assert m.value("process_open_fds") > 3
    assert m.value("process_resident_memory_bytes") > 1 << 20
    assert m.value("process_max_fds") >= m.value("process_open_fds")
    buckets = [s for s in m.families["voice_bridge_provider_handshake_seconds"].samples
               if s.name.endswith("_bucket")]
    counts = [s.value for s in buckets]
    assert counts == sorted(counts) and buckets[-1].labels["le"] == "+Inf"


def test_first_audio_latency_after_the_callers_speech_ends(
        start_bridge: Callable[..., BridgeProcess],
        run_bridge: Callable[..., Any], tmp_path: Path) -> None:
    bridge = start_bridge({})  # the local provider: its VAD reports the end of speech
    wav = tmp_path / "in.wav"
    write_wav(wav, ulaw_encode(pcm16_silence(0.5) + pcm16_tone(0.8, 350.0, dbfs=-12.0)
                               + pcm16_silence(1.2)), fmt=WAVE_FORMAT_MULAW)
    done = run_bridge("simulate", "--wav", str(wav), "--url", bridge.ws_url, "--linger-ms", "500",
                      timeout=30)
    assert done.returncode == 0, done.stderr
    wait_ended(bridge, 1)
    m = Scrape(bridge)
    assert m.value("voice_bridge_first_audio_seconds_count") == 1
    # The parrot answers as soon as it hears the end of speech: well under a second.
    assert m.value("voice_bridge_first_audio_seconds_bucket", le="1") == 1
    assert m.value("voice_bridge_calls_total", outcome="caller_hung_up") == 1


def test_healthz_and_readyz(start_bridge: Callable[..., BridgeProcess]) -> None:
    bridge = start_bridge({})
    for path in ("/healthz", "/readyz"):
        assert get(bridge.http_url + path)[0] == 200
        assert get(bridge.http_url + path, "HEAD")[0] == 200
        assert get(bridge.http_url + path, "POST")[0] == 405


def test_readyz_fails_while_the_provider_refuses_every_session(
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        pki: TestPKI) -> None:
    mock = start_mock("--refuse", "503", "--body", '{"error":{"message":"overloaded"}}')
    bridge = start_bridge(openai_env(mock, pki))
    audio = caller_audio(seed=62, frames=3)
    for n in range(1, 4):
        assert get(bridge.http_url + "/readyz")[0] == 200, f"not ready after {n - 1} refusals"
        run(echo_call(bridge.ws_url, audio, b"x", timeout=3))
        wait_ended(bridge, n)
    status, _, body = get(bridge.http_url + "/readyz")
    assert status == 503 and "provider" in body
    assert get(bridge.http_url + "/healthz")[0] == 200  # alive, just not ready
    m = Scrape(bridge)
    assert m.value("voice_bridge_provider_up") == 0 and m.value("voice_bridge_ready") == 0
    assert m.value("voice_bridge_calls_total", outcome="provider_refused") == 3


def test_tool_calls_are_counted_by_tool_and_outcome(
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        pki: TestPKI) -> None:
    # One response with two calls: a name the bridge does not offer, then hang_up.
    mock = start_mock("--tool-call", 'made_up_tool:{"x":1}', "--tool-call", "hang_up:{}",
                      "--tool-call-after", "3", "--tool-call-audio-bytes", "800")
    bridge = start_bridge(openai_env(mock, pki, GREETING=""))
    run(echo_call(bridge.ws_url, caller_audio(seed=63, frames=10), b"x" * 800, stop=False))
    wait_ended(bridge, 1, timeout=10)
    m = Scrape(bridge)
    assert m.value("voice_bridge_tool_calls_total", tool="hang_up", outcome="ok") == 1
    assert m.value("voice_bridge_tool_calls_total", tool="unknown", outcome="unknown_tool") == 1
    assert "made_up_tool" not in m.text  # a model's inventions do not become labels
