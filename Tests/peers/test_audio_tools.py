"""Self-tests of the test audio helpers, with sox as the independent WAV reader/writer."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from peers.audio_tools import (
    WAVE_FORMAT_MULAW,
    WAVE_FORMAT_PCM,
    frame_stats,
    pcm16_silence,
    pcm16_tone,
    read_wav,
    ulaw_decode,
    ulaw_encode,
    write_wav,
)

needs_sox = pytest.mark.skipif(shutil.which("sox") is None, reason="sox not installed")


def soxi(flag: str, path: Path) -> str:
    return subprocess.run(["sox", "--i", flag, str(path)], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_ulaw_silence_and_round_trip() -> None:
    assert ulaw_encode(pcm16_silence(0.01)) == b"\xff" * 80  # G.711: 0 encodes as 0xFF
    tone = pcm16_tone(0.1, 350, -12)
    again = ulaw_decode(ulaw_encode(tone))
    assert len(again) == len(tone)
    assert max(abs(a - b) for a, b in zip(memoryview(tone).cast("h"),
                                          memoryview(again).cast("h"), strict=True)) < 600


def test_frame_stats_finds_level_and_frequency() -> None:
    stats = frame_stats(pcm16_silence(0.1) + pcm16_tone(0.2, 350, -12))
    assert len(stats) == 15
    assert all(db < -100 for db, _ in stats[:5])
    assert all(-16 < db < -14 and abs(hz - 350) < 50 for db, hz in stats[5:])


@needs_sox
@pytest.mark.parametrize("fmt,encoding", [(WAVE_FORMAT_MULAW, "u-law"),
                                          (WAVE_FORMAT_PCM, "signed integer pcm")])
def test_sox_reads_our_wav(fmt: int, encoding: str, tmp_path: Path) -> None:
    path = tmp_path / "ours.wav"
    pcm = pcm16_tone(0.25, 350, -12)
    write_wav(path, ulaw_encode(pcm) if fmt == WAVE_FORMAT_MULAW else pcm, fmt=fmt)
    assert soxi("-r", path) == "8000" and soxi("-c", path) == "1"
    assert soxi("-s", path) == "2000"
    assert soxi("-e", path).lower() == encoding


@needs_sox
def test_we_read_a_sox_ulaw_wav(tmp_path: Path) -> None:
    path = tmp_path / "sox.wav"
    subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-e", "u-law", str(path),
                    "synth", "0.5", "sine", "350", "vol", "0.25"], check=True)
    info = read_wav(path)
    assert (info.fmt, info.channels, info.rate, info.bits) == (WAVE_FORMAT_MULAW, 1, 8000, 8)
    assert len(info.data) == 4000
    stats = frame_stats(info.pcm16())
    assert all(abs(hz - 350) < 50 for _, hz in stats)


def test_read_wav_rejects_truncated_file(tmp_path: Path) -> None:
    path = tmp_path / "short.wav"
    write_wav(path, b"\xff" * 100)
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(ValueError, match="RIFF size"):
        read_wav(path)
