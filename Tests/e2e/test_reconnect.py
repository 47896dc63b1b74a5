"""Mid-call drop: the caller hears the shipped apology prompt, the bridge reconnects to the next
deployment and restores the conversation (instructions plus the transcript so far as items); if
the reconnect fails, the call ends."""

from __future__ import annotations

import asyncio
from typing import Callable

import pytest
from harness import REPO_ROOT, BridgeProcess, MockProcess, azure_env, caller_audio, run

from peers.certs import TestPKI
from peers.fake_twilio import FakeTwilioCall
from peers.mock_provider import GREETING_AUDIO, GREETING_TRANSCRIPT
from peers.realtime_schema import check_events

PROMPT = REPO_ROOT / "config/prompts/reconnecting.ulaw"


def reconnect_env(mock: MockProcess, pki: TestPKI, **extra: str) -> dict[str, str]:
    env = azure_env(mock, pki, AZURE_OPENAI_DEPLOYMENTS="dep-a,dep-b", PREWARM="false",
                    RECONNECT_PROMPT_FILE=str(PROMPT), INSTRUCTIONS="You are the test assistant.",
                    **extra)
    del env["AZURE_OPENAI_DEPLOYMENT"]
    return env


async def talk_through_drop(ws_url: str, before: bytes, after: bytes, expect_after: int
                            ) -> FakeTwilioCall:
    """Talks, waits out the drop and the prompt, talks again, and collects what came back."""
    call = FakeTwilioCall(ws_url, pace=0.1)
    await call.connect()
    await call.start()
    await call.send_audio(before)
    await call.wait_for_audio(expect_after, 8)
    if not call.closed.is_set():
        await call.send_audio(after)
        await call.wait_for_audio(expect_after + len(after), 5)
        await asyncio.sleep(0.2)
        if not call.closed.is_set():
            await call.stop()
    return call


@pytest.mark.parametrize("mode", ["close", "abort", "expire"])
def test_drop_plays_apology_reconnects_to_next_deployment_and_restores_history(
        mode: str, start_bridge: Callable[..., BridgeProcess],
        start_mock: Callable[..., MockProcess], pki: TestPKI) -> None:
    mock = start_mock("--drop-after", "1200", "--drop-which", "1", "--drop-mode", mode,
                      "--transcribe")
    bridge = start_bridge(reconnect_env(mock, pki))
    prompt = PROMPT.read_bytes()
    before, after = caller_audio(seed=40, frames=10), caller_audio(seed=41, frames=10)
    # Before the drop: greeting + echo of `before`; then the prompt, then the restored
    # session's response.create (greeting-pattern audio again).
    expect = len(GREETING_AUDIO) + len(before) + len(prompt) + len(GREETING_AUDIO)
    call = run(talk_through_drop(bridge.ws_url, before, after, expect), timeout=30)

    assert call.closed_by_bridge is not True, f"the call ended:\n{bridge.stderr()}"
    got = call.audio
    start = len(GREETING_AUDIO) + len(before)
    assert got[:start] == GREETING_AUDIO + before
    assert got[start:start + len(prompt)] == prompt, "the apology prompt did not follow the drop"
    assert got[start + len(prompt):] == GREETING_AUDIO + after

    hs = mock.handshakes()
    assert [h["params"]["model"] for h in hs] == ["dep-a", "dep-b"], "reconnect did not go to the next deployment"
    events = mock.client_events(2)
    assert check_events(events, "ga", "client") == []
    assert events[0]["type"] == "session.update"
    assert events[0]["session"]["instructions"] == "You are the test assistant."
    items = [e["item"] for e in events if e["type"] == "conversation.item.create"]
    assert [(i["role"], i["content"][0]["type"], i["content"][0]["text"]) for i in items] == [
        ("assistant", "output_text", GREETING_TRANSCRIPT),
        ("user", "input_text", "caller words 1"),
    ]
    types = [e["type"] for e in events]
    assert types.index("response.create") > types.index("conversation.item.create")
    assert bridge.wait_for_log(r"provider session dropped mid-call", 1)
    assert bridge.wait_for_log(r"conversation restored.*items=2", 1)


def test_failed_reconnect_ends_the_call(start_bridge: Callable[..., BridgeProcess],
                                        start_mock: Callable[..., MockProcess],
                                        pki: TestPKI) -> None:
    # Connection 1 drops; every later handshake (dep-b, then dep-a again) is refused.
    mock = start_mock("--drop-after", "800", "--drop-which", "1", "--refuse", "503",
                      "--body", "down", "--refuse-which", "2,3,4")
    bridge = start_bridge(reconnect_env(mock, pki))

    async def scenario() -> FakeTwilioCall:
        call = FakeTwilioCall(bridge.ws_url, pace=1.0)
        await call.connect()
        await call.start()
        talk = asyncio.create_task(call.send_audio(caller_audio(seed=42, frames=200)))
        await call.wait_closed(8)
        talk.cancel()
        await asyncio.gather(talk, return_exceptions=True)
        return call

    call = run(scenario(), timeout=20)
    assert call.closed_by_bridge, "the call stayed open after the reconnect failed"
    assert call.audio.endswith(PROMPT.read_bytes()), "no apology before hanging up"
    assert [h["params"]["model"] for h in mock.handshakes()] == ["dep-a", "dep-b", "dep-a"]
    assert bridge.wait_for_log(r"could not reopen the provider session", 1)
    assert bridge.wait_for_log(r"call ended.*outcome=provider_dropped", 1)
    assert bridge.alive()


def test_reconnect_can_be_turned_off(start_bridge: Callable[..., BridgeProcess],
                                     start_mock: Callable[..., MockProcess], pki: TestPKI) -> None:
    mock = start_mock("--drop-after", "800", "--drop-which", "1")
    bridge = start_bridge(reconnect_env(mock, pki, PROVIDER_RECONNECT="false"))

    async def scenario() -> FakeTwilioCall:
        call = FakeTwilioCall(bridge.ws_url, pace=1.0)
        await call.connect()
        await call.start()
        talk = asyncio.create_task(call.send_audio(caller_audio(seed=43, frames=200)))
        await call.wait_closed(5)
        talk.cancel()
        await asyncio.gather(talk, return_exceptions=True)
        return call

    call = run(scenario(), timeout=15)
    assert call.closed_by_bridge
    assert len(mock.handshakes()) == 1
