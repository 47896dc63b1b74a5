"""No keys: the built-in local provider (chime, then a parrot), driven by `voice-bridge simulate`.

The input is made here: 1 s of silence, 1 s of a 350 Hz tone at speech level, 1.5 s of silence.
The reply must hold a chime, then the tone again (~1 s of it) once the caller went quiet.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Callable

import pytest
from harness import BridgeProcess

from peers.audio_tools import (
    WAVE_FORMAT_MULAW,
    WAVE_FORMAT_PCM,
    frame_stats,
    pcm16_silence,
    pcm16_tone,
    read_wav,
    ulaw_encode,
    write_wav,
)

TONE_HZ = 350.0
LOUD_DB = -35.0  # frame RMS above this is "not silence"


def caller_pcm16() -> bytes:
    return pcm16_silence(1.0) + pcm16_tone(1.0, TONE_HZ, dbfs=-12.0) + pcm16_silence(1.5)


@pytest.mark.parametrize("encoding", ["mulaw", "pcm16"])
def test_local_parrot_repeats_the_caller_after_a_chime(
        encoding: str, start_bridge: Callable[..., BridgeProcess],
        run_bridge: Callable[..., subprocess.CompletedProcess[str]], tmp_path: Path) -> None:
    bridge = start_bridge({})
    assert bridge.wait_for_log(r"local provider", 1), "no log line mentions the local provider"
    assert bridge.wait_for_log(r"\bprovider=local\b", 1), "no provider=local log line"

    wav_in, wav_out = tmp_path / f"in-{encoding}.wav", tmp_path / "reply.wav"
    if encoding == "mulaw":
        write_wav(wav_in, ulaw_encode(caller_pcm16()), fmt=WAVE_FORMAT_MULAW)
    else:
        write_wav(wav_in, caller_pcm16(), fmt=WAVE_FORMAT_PCM)

    done = run_bridge("simulate", "--wav", str(wav_in), "--out", str(wav_out),
                      "--url", bridge.ws_url, timeout=60)
    assert done.returncode == 0, f"simulate exited {done.returncode}\nstderr:\n{done.stderr}"
    summary = done.stdout
    sent = re.search(r"sent (\d+) frames", summary)
    received = re.search(r"received (\d+) frames", summary)
    assert sent and received and "first audio" in summary, f"summary line: {summary!r}"
    assert int(sent.group(1)) == 175  # 3.5 s in 20 ms frames
    assert int(received.group(1)) > 0

    assert wav_out.exists()
    reply = read_wav(wav_out)
    assert (reply.fmt, reply.channels, reply.rate, reply.bits) == (WAVE_FORMAT_MULAW, 1, 8000, 8)
    stats = frame_stats(reply.pcm16())
    loud = [db > LOUD_DB for db, _ in stats]
    tone = [i for i, (db, hz) in enumerate(stats)
            if db > LOUD_DB and abs(hz - TONE_HZ) < 0.15 * TONE_HZ]
    assert 35 <= len(tone) <= 70, (f"expected ~50 frames (1 s) of the {TONE_HZ:.0f} Hz tone in "
                                   f"the reply, found {len(tone)} of {len(stats)} frames")
    chime = [i for i in range(tone[0]) if loud[i]]
    assert len(chime) >= 3, "no chime (non-silent audio) before the parrot's reply"
    assert bridge.alive()


@pytest.mark.skipif(shutil.which("sox") is None, reason="sox not installed")
def test_simulate_reply_is_a_wav_sox_reads(start_bridge: Callable[..., BridgeProcess],
                                           run_bridge: Callable[...,
                                                                subprocess.CompletedProcess[str]],
                                           tmp_path: Path) -> None:
    """sox, a WAV reader we did not write, agrees on the reply's header."""
    bridge = start_bridge({})
    wav_in, wav_out = tmp_path / "in.wav", tmp_path / "reply.wav"
    write_wav(wav_in, ulaw_encode(pcm16_tone(0.5, TONE_HZ, -12.0) + pcm16_silence(1.0)))
    done = run_bridge("simulate", "--wav", str(wav_in), "--out", str(wav_out),
                      "--url", bridge.ws_url, timeout=60)
    assert done.returncode == 0, done.stderr

    def soxi(flag: str) -> str:
        return subprocess.run(["sox", "--i", flag, str(wav_out)], capture_output=True,
                              text=True, check=True).stdout.strip()
    assert soxi("-r") == "8000" and soxi("-c") == "1"
    assert soxi("-e").lower() in ("u-law", "mu-law", "μ-law")
    assert int(soxi("-s")) == len(read_wav(wav_out).data) > 0
