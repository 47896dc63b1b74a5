"""RECORDINGS_DIR: each call as a stereo 8 kHz μ-law WAV, the caller left, the assistant right,
placed when it played — audio a barge-in flushed is not in it; RECORDING_NOTICE before the greeting."""

from __future__ import annotations

import base64
import json
import struct
from pathlib import Path
from typing import Callable

from harness import BridgeProcess, MockProcess, openai_env, run, wait_until
from test_barge_in import interrupted_call

from peers.certs import TestPKI
from peers.fake_twilio import FakeTwilioCall
from peers.mock_provider import SPEECH_BYTE


def read_stereo_ulaw(path: Path) -> tuple[bytes, bytes]:
    """The left and right channels of a stereo μ-law WAV (format 7), checking its header."""
    data = path.read_bytes()
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    assert struct.unpack("<I", data[4:8])[0] == len(data) - 8, "the RIFF size matches the file"
    fmt = data.index(b"fmt ")
    tag, channels, rate = struct.unpack("<HHI", data[fmt + 8:fmt + 16])
    assert (tag, channels, rate) == (7, 2, 8000)
    start = data.index(b"data") + 8
    size = struct.unpack("<I", data[start - 4:start])[0]
    assert size == len(data) - start, "the data size matches the file"
    frames = data[start:]
    return frames[0::2], frames[1::2]


def test_a_call_is_recorded_in_stereo_as_the_caller_heard_it(
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        pki: TestPKI, tmp_path: Path) -> None:
    recordings = tmp_path / "recordings"
    recordings.mkdir()
    mock = start_mock("--barge-in-after", "1250")
    bridge = start_bridge(openai_env(mock, pki, GREETING="", RECORDINGS_DIR=str(recordings),
                                     RECORDING_NOTICE="This call is recorded."))
    call = run(interrupted_call(bridge.ws_url))
    assert call.clears == 1
    path = recordings / f"{call.call_sid}.wav"
    assert wait_until(lambda: path.exists() and path.stat().st_size > 58, 5)
    sent = b"".join(base64.b64decode(p) for p in call.sent_payloads)
    left, right = wait_until(lambda: read_stereo_ulaw(path) if len(read_stereo_ulaw(path)[0]) >= len(sent) else None, 5)
    assert sent and left[:len(sent)] == sent, "the caller's side, byte for byte"
    heard = right.count(bytes([SPEECH_BYTE]))
    played_ms = int(call.marks_played[-1].rsplit(":", 1)[1])
    assert abs(heard - played_ms * 8) <= 800, (heard, played_ms)
    assert heard < 3000 * 8, "the 3 s answer was cut by the barge-in: what was flushed is not in the file"
    first = right.index(bytes([SPEECH_BYTE]))
    assert first < 8000, "the assistant speaks from the start of the call"


def test_the_recording_notice_comes_before_the_greeting(
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        pki: TestPKI, tmp_path: Path) -> None:
    mock = start_mock()
    bridge = start_bridge(openai_env(mock, pki, GREETING="Hello from the clinic.", RECORDINGS_DIR=str(tmp_path),
                                     RECORDING_NOTICE="This call is recorded."))

    async def scenario() -> FakeTwilioCall:
        call = FakeTwilioCall(bridge.ws_url)
        await call.connect()
        await call.start()
        await call.wait_for_audio(1, timeout=5)
        await call.stop()
        return call

    run(scenario())
    greeting = next(e for e in mock.client_events(1) if e["type"] == "response.create")
    text = json.dumps(greeting)
    assert "This call is recorded. Hello from the clinic." in text, text
