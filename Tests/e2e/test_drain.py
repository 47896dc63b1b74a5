"""Rolling deploys: SIGTERM/SIGINT drain live calls (no new ones), then exit 0; DRAIN_TIMEOUT
ends what is left cleanly; a second signal exits at once."""

from __future__ import annotations

import asyncio
import signal
import time
import urllib.error
import urllib.request
from typing import Callable

import pytest
from harness import (
    BridgeProcess,
    MockProcess,
    caller_audio,
    first_difference,
    openai_env,
    run,
    wait_until,
)
from test_limits import WEBHOOK_CALL_SID, is_busy, webhook
from websockets.exceptions import InvalidStatus

from peers.certs import TestPKI
from peers.fake_twilio import FakeTwilioCall
from peers.mock_provider import GREETING_AUDIO


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status
    except urllib.error.HTTPError as err:
        return err.code


async def live_call(bridge: BridgeProcess, seed: int) -> tuple[FakeTwilioCall, bytes]:
    """A call that has heard its greeting and one echo: audio flows both ways."""
    call = FakeTwilioCall(bridge.ws_url, pace=0.5)
    await call.connect()
    await call.start()
    audio = caller_audio(seed=seed, frames=5)
    await call.send_audio(audio)
    assert await call.wait_for_audio(len(GREETING_AUDIO) + len(audio), 5)
    return call, GREETING_AUDIO + audio


async def still_echoes(call: FakeTwilioCall, heard: bytes, seed: int) -> bytes:
    more = caller_audio(seed=seed, frames=5)
    await call.send_audio(more)
    assert await call.wait_for_audio(len(heard) + len(more), 5), "the call stopped flowing"
    assert call.audio == heard + more, first_difference(call.audio, heard + more)
    return heard + more


def exit_code(bridge: BridgeProcess, timeout: float) -> int | None:
    try:
        return bridge.proc.wait(timeout)
    except Exception:
        return None


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_drains_live_calls_then_exits_0(
        sig: signal.Signals, start_bridge: Callable[..., BridgeProcess],
        start_mock: Callable[..., MockProcess], pki: TestPKI) -> None:
    mock = start_mock()
    bridge = start_bridge(openai_env(mock, pki))

    async def scenario() -> None:
        (a, heard_a), (b, heard_b) = await asyncio.gather(live_call(bridge, 71), live_call(bridge, 72))
        bridge.proc.send_signal(sig)
        assert await asyncio.to_thread(bridge.wait_for_log, r"draining: no new calls", 3)
        # No new calls: not ready, busy TwiML, streams refused.
        assert await asyncio.to_thread(status_of, bridge.http_url + "/readyz") == 503
        assert await asyncio.to_thread(status_of, bridge.http_url + "/healthz") == 200
        assert is_busy(await asyncio.to_thread(webhook, bridge))
        with pytest.raises(InvalidStatus) as refusal:
            await FakeTwilioCall(bridge.ws_url).connect()
        assert refusal.value.response.status_code == 503
        # The live calls go on.
        heard_a = await still_echoes(a, heard_a, 73)
        await a.stop()
        await asyncio.sleep(0.5)
        assert bridge.alive(), "exited while a call was still live"
        await still_echoes(b, heard_b, 74)
        assert not b.closed.is_set()
        await b.stop()

    run(scenario())
    assert exit_code(bridge, 3) == 0, bridge.stderr()
    assert bridge.wait_for_log(r"drained: no calls left", 0)
    assert sum("call ended" in ln and "outcome=caller_hung_up" in ln for ln in bridge.log_lines()) == 2


def test_drain_timeout_ends_remaining_calls_cleanly_and_exits_0(
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        pki: TestPKI) -> None:
    mock = start_mock()
    bridge = start_bridge(openai_env(mock, pki, DRAIN_TIMEOUT="2s"))

    async def scenario() -> FakeTwilioCall:
        call, _ = await live_call(bridge, 75)
        started = time.monotonic()
        bridge.proc.send_signal(signal.SIGTERM)
        assert await call.wait_closed(6), "the bridge did not end the call at DRAIN_TIMEOUT"
        assert 1.5 < time.monotonic() - started < 5
        return call

    call = run(scenario())
    assert call.closed_by_bridge and call.close_code == 1001, (call.close_code, call.close_reason)
    assert exit_code(bridge, 3) == 0, bridge.stderr()
    assert bridge.wait_for_log(r"drain timeout: ending the remaining calls.*active_calls=1", 0)
    assert bridge.wait_for_log(r"call ended.*outcome=drain_timeout", 0)
    assert mock.wait_closed(1, 2), "the provider session was closed too"


def test_second_signal_exits_at_once(start_bridge: Callable[..., BridgeProcess]) -> None:
    bridge = start_bridge({})  # local provider

    async def scenario() -> None:
        call = FakeTwilioCall(bridge.ws_url)
        await call.connect()
        await call.start()
        await call.wait_for_audio(1, 5)
        bridge.proc.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(bridge.wait_for_log, r"draining", 3)
        await asyncio.sleep(0.3)
        assert bridge.alive()
        started = time.monotonic()
        bridge.proc.send_signal(signal.SIGTERM)
        code = await asyncio.to_thread(exit_code, bridge, 2)
        assert code is not None and code != 0 and time.monotonic() - started < 1.5
        await call.close()

    run(scenario())
    assert bridge.wait_for_log(r"second signal: exiting at once", 0)


def test_a_call_promised_before_the_drain_still_connects(
        start_bridge: Callable[..., BridgeProcess]) -> None:
    bridge = start_bridge({})

    async def scenario() -> None:
        assert "<Connect>" in await asyncio.to_thread(webhook, bridge)  # TwiML answered: promised
        bridge.proc.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(bridge.wait_for_log, r"draining.*pending_calls=1", 3)
        call = FakeTwilioCall(bridge.ws_url, call_sid=WEBHOOK_CALL_SID)  # the promised call's own stream
        await call.connect()
        await call.start()
        assert await call.wait_for_audio(1, 5)
        with pytest.raises(InvalidStatus):  # the promise is used up
            await FakeTwilioCall(bridge.ws_url).connect()
        await call.stop()

    run(scenario())
    assert exit_code(bridge, 3) == 0, bridge.stderr()
