"""First words fast: the provider session opens when Twilio fetches the webhook (pre-warm).

The mock takes 300 ms to accept a connection. `simulate --webhook` fetches /incoming-call with the
call's CallSid first, as Twilio does, then opens the stream; the bridge must hand the warm session
to that stream: one handshake, one session.update, and the greeting sooner than without it.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Callable

from harness import BridgeProcess, MockProcess, openai_env

from peers.audio_tools import WAVE_FORMAT_MULAW, write_wav
from peers.certs import TestPKI


def first_audio_ms(stdout: str) -> int:
    found = re.search(r"first audio after (\d+) ms", stdout)
    assert found, f"summary line: {stdout!r}"
    return int(found.group(1))


def test_prewarmed_session_is_claimed_by_the_stream_and_speaks_sooner(
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        run_bridge: Callable[..., subprocess.CompletedProcess[str]], pki: TestPKI,
        tmp_path: Path) -> None:
    mock = start_mock("--delay-accept", "300")
    bridge = start_bridge(openai_env(mock, pki))
    wav = tmp_path / "quiet.wav"
    write_wav(wav, b"\xff" * 8000, fmt=WAVE_FORMAT_MULAW)  # 1 s of line silence
    common = ("simulate", "--wav", str(wav), "--url", bridge.ws_url, "--linger-ms", "500", "--max-tail-ms", "1000")

    cold = run_bridge(*common, timeout=30)
    assert cold.returncode == 0, cold.stderr
    warm = run_bridge(*common, "--webhook", "--webhook-gap-ms", "400", timeout=30)
    assert warm.returncode == 0, warm.stderr

    handshakes = mock.wait_handshakes(2)
    assert len(handshakes) == 2, "the warm call must reuse its pre-warmed session, not open another"
    updates = [e for e in mock.client_events(2) if e["type"] == "session.update"]
    assert len(updates) == 1, "the pre-warmed session is configured once"
    assert bridge.wait_for_log(r"using the pre-warmed provider session")
    cold_ms, warm_ms = first_audio_ms(cold.stdout), first_audio_ms(warm.stdout)
    assert cold_ms >= 300, f"without pre-warm the 300 ms accept delay shows: {cold_ms} ms"
    assert warm_ms < cold_ms - 200, f"pre-warm should save most of the accept delay: {warm_ms} vs {cold_ms} ms"


def test_unclaimed_prewarmed_session_is_discarded(start_bridge: Callable[..., BridgeProcess],
                                                  start_mock: Callable[..., MockProcess],
                                                  pki: TestPKI) -> None:
    import urllib.request
    mock = start_mock()
    bridge = start_bridge(openai_env(mock, pki, PREWARM_CLAIM_TIMEOUT_MS="500"))
    body = b"CallSid=CA" + b"1" * 32 + b"&From=%2B15551234567"
    req = urllib.request.Request(bridge.http_url + "/incoming-call", data=body,
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(req, timeout=5) as answer:
        assert answer.status == 200
    assert mock.wait_handshakes(1), "the webhook opens the provider session at once"
    assert bridge.wait_for_log(r"discarded pre-warmed session.*no media stream claimed", timeout=5)
    assert mock.wait_closed(1, timeout=5), "the unclaimed session is closed, not leaked"
