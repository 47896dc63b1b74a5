"""A session option the provider refuses never breaks a call's audio (issue "A session option the
provider refuses must never break a call's audio"): the greeting and the caller's audio wait for
`session.updated`; a refused field is dropped and the update sent again; then the minimal update;
a refused audio format fails over. The mock provider speaks PCM16 "noise" (a byte of its own)
whenever its session is not set to μ-law, so the test can tell noise from clean audio."""

from __future__ import annotations

import re
import urllib.request
from typing import Callable

from harness import (
    BridgeProcess,
    MockProcess,
    azure_env,
    caller_audio,
    echo_call,
    first_difference,
    openai_env,
    run,
)

from peers.certs import TestPKI
from peers.mock_provider import GREETING_AUDIO, PCM16_NOISE_BYTE


def retries(bridge: BridgeProcess, kind: str) -> int:
    with urllib.request.urlopen(f"{bridge.http_url}/metrics", timeout=5) as response:
        text = response.read().decode()
    found = re.search(rf'^voice_bridge_session_update_retries_total{{kind="{kind}"}} (\d+)$', text, re.M)
    assert found, text
    return int(found.group(1))


def clean_call(bridge: BridgeProcess, seed: int) -> None:
    """One call; the caller must hear exactly the greeting and its own echo: no noise."""
    audio = caller_audio(seed=seed, frames=8)
    call = run(echo_call(bridge.ws_url, audio, GREETING_AUDIO + audio))
    assert bytes([PCM16_NOISE_BYTE]) * 160 not in call.audio, "PCM16 noise reached the caller"
    assert call.audio == GREETING_AUDIO + audio, first_difference(call.audio, GREETING_AUDIO + audio)


def updates(mock: MockProcess, conn: int) -> list[dict]:
    return [e for e in mock.client_events(conn) if e["type"] == "session.update"]


def test_a_refused_noise_reduction_is_dropped_remembered_and_the_audio_stays_clean(
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        pki: TestPKI) -> None:
    mock = start_mock("--refuse-session-field", "audio.input.noise_reduction")
    bridge = start_bridge(openai_env(mock, pki, PREWARM="false"))
    clean_call(bridge, 1)
    first = updates(mock, 1)
    assert len(first) == 2 and "noise_reduction" in first[0]["session"]["audio"]["input"]
    assert "noise_reduction" not in first[1]["session"]["audio"]["input"]
    assert first[1]["session"]["audio"]["output"]["format"]["type"] == "audio/pcmu"
    assert first[1]["session"]["instructions"], "only the refused field is dropped"
    line = bridge.wait_for_log(r"refused a session option", 2)
    assert line and "field=audio.input.noise_reduction" in line and "target=" in line, bridge.stderr()
    assert retries(bridge, "field_dropped") == 1
    # The next call on the target leaves the field out without a round trip.
    clean_call(bridge, 2)
    second = updates(mock, 2)
    assert len(second) == 1 and "noise_reduction" not in second[0]["session"]["audio"]["input"]
    assert retries(bridge, "field_dropped") == 1
    assert len([ln for ln in bridge.log_lines() if "refused a session option" in ln]) == 1


def test_a_refused_interrupt_response_is_dropped_in_the_beta_dialect_too(
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        pki: TestPKI) -> None:
    mock = start_mock("--refuse-session-field", "turn_detection.interrupt_response")
    bridge = start_bridge(azure_env(mock, pki, AZURE_API_VERSION="2024-10-01-preview", PREWARM="false"))
    clean_call(bridge, 3)
    sent = updates(mock, 1)
    assert "interrupt_response" in sent[0]["session"]["turn_detection"]
    assert "interrupt_response" not in sent[1]["session"]["turn_detection"]
    assert sent[1]["session"]["turn_detection"].get("create_response") is True
    line = bridge.wait_for_log(r"refused a session option.*field=turn_detection.interrupt_response", 2)
    assert line and "azure_api_version=2024-10-01-preview" in line, bridge.stderr()


def test_a_provider_that_takes_only_the_minimal_update_still_gives_clean_audio(
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        pki: TestPKI) -> None:
    mock = start_mock("--accept-only-minimal")
    bridge = start_bridge(openai_env(mock, pki, PREWARM="false"))
    clean_call(bridge, 4)
    sent = updates(mock, 1)
    assert len(sent) == 5, [list(u["session"]) for u in sent]  # full, three without a field, minimal
    minimal = sent[-1]["session"]
    assert minimal["audio"]["input"]["format"]["type"] == "audio/pcmu"
    assert minimal["audio"]["output"]["format"]["type"] == "audio/pcmu"
    assert minimal["instructions"] and minimal["audio"]["input"]["turn_detection"] == {"type": "server_vad"}
    assert retries(bridge, "field_dropped") == 3 and retries(bridge, "minimal") == 1


def test_a_refused_audio_format_fails_over_to_the_next_target(
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        pki: TestPKI) -> None:
    bad = start_mock("--refuse-session-field", "audio.output.format")
    good = start_mock()
    env = azure_env(good, pki, PREWARM="false")
    del env["AZURE_OPENAI_ENDPOINT"]
    env["AZURE_OPENAI_ENDPOINTS"] = f"https://localhost:{bad.port},https://localhost:{good.port}"
    bridge = start_bridge(env)
    clean_call(bridge, 5)
    assert len(bad.handshakes()) == 1 and len(good.handshakes()) == 1
    assert not [e for e in bad.client_events(1) if e["type"] in ("response.create", "input_audio_buffer.append")], \
        "nothing may go into a session whose audio format was refused"
    assert bridge.wait_for_log(r"cannot be configured for the call's audio; failing over", 2), bridge.stderr()
    assert retries(bridge, "failed_over") == 1
