"""Two calls at once through one daemon: each caller hears only its own audio, and each
provider connection carries only its own caller's payloads (PROTOCOLS.md §6: global state)."""

from __future__ import annotations

import asyncio
from typing import Callable

from harness import (
    BridgeProcess,
    MockProcess,
    caller_audio,
    echo_call,
    first_difference,
    openai_env,
    run,
)

from peers.certs import TestPKI
from peers.fake_twilio import FakeTwilioCall
from peers.mock_provider import GREETING_AUDIO


def test_two_concurrent_calls_get_only_their_own_audio(
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        pki: TestPKI) -> None:
    mock = start_mock()
    bridge = start_bridge(openai_env(mock, pki))
    audio_a, audio_b = caller_audio(seed=41, frames=40), caller_audio(seed=42, frames=40)

    async def scenario() -> tuple[FakeTwilioCall, FakeTwilioCall]:
        a, b = await asyncio.gather(
            echo_call(bridge.ws_url, audio_a, GREETING_AUDIO + audio_a, pace=0.5),
            echo_call(bridge.ws_url, audio_b, GREETING_AUDIO + audio_b, pace=0.5))
        return a, b

    a, b = run(scenario())
    assert a.stream_sid != b.stream_sid
    assert a.audio == GREETING_AUDIO + audio_a, "call A: " + first_difference(
        a.audio, GREETING_AUDIO + audio_a)
    assert b.audio == GREETING_AUDIO + audio_b, "call B: " + first_difference(
        b.audio, GREETING_AUDIO + audio_b)
    assert a.violations == [] and b.violations == []  # includes: every message had our streamSid

    assert len(mock.handshakes()) == 2
    by_first_payload = {}
    for conn in (1, 2):
        appends = [e["audio"] for e in mock.client_events(conn)
                   if e["type"] == "input_audio_buffer.append"]
        assert appends, f"provider connection {conn} got no audio"
        by_first_payload[appends[0]] = appends
    assert by_first_payload[a.sent_payloads[0]] == a.sent_payloads
    assert by_first_payload[b.sent_payloads[0]] == b.sent_payloads
    assert mock.wait_closed(1, 2.0) and mock.wait_closed(2, 2.0)
