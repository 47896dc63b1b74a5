"""Barge-in through the binary: the caller talks over the assistant.

The mock speaks 3 s of audio at once; the fake caller plays it in real time and echoes marks as it
plays; 1.25 s later the mock reports speech_started and then sends late deltas of the same
response. The bridge must clear Twilio, truncate the item exactly at what was heard (the last mark
the caller echoed as played, about 1,200 ms), drop the late audio, and keep the conversation going after a refused truncate.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Callable

import pytest
from harness import BridgeProcess, MockProcess, openai_env, run, wait_until

from peers.certs import TestPKI
from peers.fake_twilio import FakeTwilioCall
from peers.mock_provider import GREETING_AUDIO, LATE_BYTE, SPEECH_BYTE

SILENCE = b"\xff" * 160


async def interrupted_call(ws_url: str, *, after_clear: Callable[[FakeTwilioCall], object] | None = None
                           ) -> FakeTwilioCall:
    call = FakeTwilioCall(ws_url, pace=1.0)
    await call.connect()
    await call.start()
    talking = asyncio.create_task(call.send_audio(SILENCE * 250))  # a live line, 5 s
    for _ in range(100):
        if call.clears:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.6)  # late deltas of the interrupted response would show up now
    if after_clear is not None:
        await after_clear(call)  # type: ignore[misc]
    talking.cancel()
    await call.stop()
    return call


def cancels_after_the_clear(mock: MockProcess) -> list[dict]:
    events = mock.client_events(1)
    truncate_at = next(i for i, e in enumerate(events) if e["type"] == "conversation.item.truncate")
    return [e for e in events[truncate_at:] if e["type"] == "response.cancel"]


@pytest.mark.flaky(reruns=1)
def test_a_response_the_provider_keeps_running_is_cancelled_once_by_the_bridge(
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        pki: TestPKI) -> None:
    mock = start_mock("--barge-in-after", "1250", "--barge-in-keep-running")
    bridge = start_bridge(openai_env(mock, pki, GREETING=""))
    call = run(interrupted_call(bridge.ws_url))
    assert call.clears == 1
    assert len(cancels_after_the_clear(mock)) == 1, [e["type"] for e in mock.client_events(1)]
    assert not any(LATE_BYTE in chunk for chunk in call.media_chunks)


@pytest.mark.flaky(reruns=1)
def test_no_response_cancel_when_the_provider_ends_the_interrupted_response_itself(
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        pki: TestPKI) -> None:
    mock = start_mock("--barge-in-after", "1250")
    bridge = start_bridge(openai_env(mock, pki, GREETING=""))
    call = run(interrupted_call(bridge.ws_url))
    assert call.clears == 1
    assert cancels_after_the_clear(mock) == [], "the provider ended it; a cancel would only earn an error"


def media_after_first_clear(call: FakeTwilioCall) -> list[bytes]:
    import base64
    seen_clear, chunks = False, []
    for msg in call.received:
        if msg.get("event") == "clear":
            seen_clear = True
        elif seen_clear and msg.get("event") == "media":
            chunks.append(base64.b64decode(msg["media"]["payload"]))
    return chunks


# Real-time: the fake caller plays audio on a wall clock; one rerun absorbs a machine hiccup.
@pytest.mark.flaky(reruns=1)
def test_barge_in_clears_twilio_and_truncates_at_what_was_heard(
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        pki: TestPKI) -> None:
    mock = start_mock("--barge-in-after", "1250")
    bridge = start_bridge(openai_env(mock, pki, GREETING=""))
    call = run(interrupted_call(bridge.ws_url))

    assert call.clears == 1, "the bridge must send exactly one clear"
    assert call.marks_cleared, "marks still queued at Twilio come back because of the clear"
    truncates = [e for e in mock.client_events(1) if e["type"] == "conversation.item.truncate"]
    assert len(truncates) == 1, [e["type"] for e in mock.client_events(1)]
    truncate = truncates[0]
    spoken = next(e for e in mock.sent_events(1) if e["type"] == "response.output_audio.delta")
    assert truncate["item_id"] == spoken["item_id"]
    assert truncate["content_index"] == 0
    assert abs(truncate["audio_end_ms"] - 1200) <= 100, truncate
    # Exactly what the caller heard: the position named by the last mark it echoed as played
    # (mark names are `item:ms`); the marks the clear flushed were never heard.
    played = [m for m in call.marks_played if m.startswith(truncate["item_id"] + ":")]
    assert played, call.marks_played
    heard_ms = int(played[-1].rsplit(":", 1)[1])
    assert truncate["audio_end_ms"] == heard_ms, (truncate, played[-3:], call.marks_cleared[:3])
    # Heard audio was the assistant's speech; nothing of the interrupted response after the clear.
    assert all(set(chunk) <= {SPEECH_BYTE} for chunk in call.media_chunks)
    assert not any(LATE_BYTE in chunk for chunk in call.media_chunks)
    assert media_after_first_clear(call) == []
    assert bridge.wait_for_log(r'msg="caller interrupted the assistant".*heard_ms=1[12]00')
    assert not call.violations, call.violations


def test_a_refused_truncate_is_logged_and_the_assistant_speaks_again(
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        pki: TestPKI) -> None:
    mock = start_mock("--barge-in-after", "1250", "--truncate-error")
    bridge = start_bridge(openai_env(mock, pki, GREETING=""))

    async def press_a_key(call: FakeTwilioCall) -> None:
        before = len(call.audio)
        await call.send_dtmf("5")  # the next turn: the bridge asks the model to answer
        await call.wait_for_audio(before + len(GREETING_AUDIO), timeout=5)

    call = run(interrupted_call(bridge.ws_url, after_clear=press_a_key))
    assert bridge.wait_for_log(r"provider refused a truncation; continuing.*already shorter than")
    events = mock.client_events(1)
    texts = [e for e in events if e["type"] == "conversation.item.create"]
    assert texts and texts[-1]["item"]["content"][0]["text"] == "[caller pressed 5]", texts
    assert [e["type"] for e in events].count("response.create") == 1
    assert call.audio.endswith(GREETING_AUDIO), "the assistant spoke again after the error"


def test_transcripts_and_usage_are_recorded(start_bridge: Callable[..., BridgeProcess],
                                            start_mock: Callable[..., MockProcess],
                                            pki: TestPKI, tmp_path) -> None:
    mock = start_mock()
    transcripts = tmp_path / "transcripts"
    prices = Path(__file__).resolve().parents[2] / "config" / "prices.json"
    bridge = start_bridge(openai_env(mock, pki, TRANSCRIPTS_DIR=str(transcripts), PRICES_FILE=str(prices)))

    async def scenario() -> FakeTwilioCall:
        call = FakeTwilioCall(bridge.ws_url, pace=0)
        await call.connect()
        await call.start()
        await call.wait_for_audio(len(GREETING_AUDIO), timeout=5)
        await asyncio.sleep(0.3)  # response.done (with usage) follows the audio
        await call.stop()
        return call

    call = run(scenario())
    end = bridge.wait_for_log(r'msg="call ended"')
    # Usage is in tokens; the field names avoid "token", which the logger redacts.
    assert end and "usage_audio_out=15" in end and "usage_text_out=5" in end, end
    assert "cost_usd_est=" in end
    path = transcripts / f"{call.call_sid}.jsonl"
    assert wait_until(lambda: path.exists() and path.read_text().strip(), 5), "no transcript file"
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert lines[0]["role"] == "assistant" and lines[0]["call"] == call.call_sid
    assert lines[0]["text"] == "Hello, this is the mock provider."
