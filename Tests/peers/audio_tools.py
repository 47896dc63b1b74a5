"""Test audio: tones, μ-law WAV files (format tag 7) and simple per-frame analysis.

μ-law conversion uses the standard library's `audioop` (the reference G.711 codec, present
up to Python 3.12) so the bridge's codec is checked against an implementation we did not write.
"""

from __future__ import annotations

import math
import struct
import warnings
from dataclasses import dataclass
from pathlib import Path

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import audioop

RATE = 8000
FRAME = 160  # 20 ms at 8 kHz
WAVE_FORMAT_PCM = 1
WAVE_FORMAT_MULAW = 7


def pcm16_tone(seconds: float, freq: float, dbfs: float = -16.0, rate: int = RATE) -> bytes:
    """A sine at `dbfs` peak level as little-endian 16-bit PCM."""
    amp = 32767 * 10 ** (dbfs / 20)
    n = int(round(seconds * rate))
    return b"".join(struct.pack("<h", int(round(amp * math.sin(2 * math.pi * freq * i / rate))))
                    for i in range(n))


def pcm16_silence(seconds: float, rate: int = RATE) -> bytes:
    return b"\x00\x00" * int(round(seconds * rate))


def ulaw_encode(pcm16: bytes) -> bytes:
    return audioop.lin2ulaw(pcm16, 2)


def ulaw_decode(ulaw: bytes) -> bytes:
    return audioop.ulaw2lin(ulaw, 2)


def write_wav(path: Path, data: bytes, *, fmt: int = WAVE_FORMAT_MULAW, rate: int = RATE) -> None:
    """Writes mono `data` (μ-law bytes or PCM16) as a RIFF/WAVE file."""
    if fmt == WAVE_FORMAT_MULAW:
        bits, fmt_chunk_extra = 8, struct.pack("<H", 0)  # cbSize: non-PCM fmt is 18 bytes
    elif fmt == WAVE_FORMAT_PCM:
        bits, fmt_chunk_extra = 16, b""
    else:
        raise ValueError(f"unsupported WAV format tag {fmt}")
    block = bits // 8
    fmt_body = struct.pack("<HHIIHH", fmt, 1, rate, rate * block, block, bits) + fmt_chunk_extra
    chunks = b"fmt " + struct.pack("<I", len(fmt_body)) + fmt_body
    if fmt != WAVE_FORMAT_PCM:
        chunks += b"fact" + struct.pack("<II", 4, len(data) // block)
    chunks += b"data" + struct.pack("<I", len(data)) + data + (b"\x00" if len(data) % 2 else b"")
    path.write_bytes(b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks)


@dataclass
class WavInfo:
    fmt: int
    channels: int
    rate: int
    bits: int
    data: bytes

    def pcm16(self) -> bytes:
        """The samples as PCM16 whatever the file's encoding."""
        if self.fmt == WAVE_FORMAT_MULAW:
            return ulaw_decode(self.data)
        if self.fmt == WAVE_FORMAT_PCM and self.bits == 16:
            return self.data
        raise ValueError(f"unsupported WAV: format {self.fmt}, {self.bits} bits")


def read_wav(path: Path) -> WavInfo:
    """Parses a RIFF/WAVE file strictly enough to catch a broken header."""
    raw = path.read_bytes()
    if len(raw) < 12 or raw[:4] != b"RIFF" or raw[8:12] != b"WAVE":
        raise ValueError(f"{path}: not a RIFF/WAVE file (starts {raw[:12]!r})")
    riff_size = struct.unpack_from("<I", raw, 4)[0]
    if riff_size + 8 != len(raw):
        raise ValueError(f"{path}: RIFF size {riff_size} + 8 != file size {len(raw)}")
    pos, fmt_fields, data = 12, None, None
    while pos + 8 <= len(raw):
        cid, size = raw[pos:pos + 4], struct.unpack_from("<I", raw, pos + 4)[0]
        body = raw[pos + 8:pos + 8 + size]
        if len(body) != size:
            raise ValueError(f"{path}: chunk {cid!r} claims {size} bytes, has {len(body)}")
        if cid == b"fmt ":
            fmt_fields = struct.unpack_from("<HHIIHH", body)
        elif cid == b"data":
            data = body
        pos += 8 + size + (size & 1)
    if fmt_fields is None or data is None:
        raise ValueError(f"{path}: missing fmt or data chunk")
    fmt, channels, rate, byte_rate, block, bits = fmt_fields
    if byte_rate != rate * block:
        raise ValueError(f"{path}: byte rate {byte_rate} != rate {rate} x block {block}")
    return WavInfo(fmt, channels, rate, bits, data)


def frame_stats(pcm16: bytes, frame_samples: int = FRAME, rate: int = RATE
                ) -> list[tuple[float, float]]:
    """(RMS in dBFS, zero-crossing frequency in Hz) for each whole frame."""
    out = []
    step = frame_samples * 2
    for i in range(0, len(pcm16) - step + 1, step):
        frame = pcm16[i:i + step]
        rms = audioop.rms(frame, 2)
        db = 20 * math.log10(rms / 32768) if rms else -120.0
        crossings = audioop.cross(frame, 2)
        out.append((db, crossings / 2 / (frame_samples / rate)))
    return out
