"""Every file descriptor a call takes is given back: 2,000 short calls through the binary (local
provider), plus calls that vanish without a close, bad HTTP, and upgrades abandoned halfway.
Afterwards the process holds as many descriptors as before, and its memory has not grown with
the number of calls."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import threading
import time
from typing import Callable

import pytest
from harness import BridgeProcess, run, wait_until
from websockets.asyncio.client import connect

CALLS = 2000
DROPPED = 200      # the caller's socket is aborted mid-call: no stop, no close frame
BAD_HTTP = 200     # a request line that is not HTTP
ABANDONED = 200    # an upgrade request, then the client goes away before reading the 101
CONCURRENCY = 25
SILENCE = base64.b64encode(b"\xff" * 160).decode()  # 20 ms of μ-law silence


def fd_count(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def rss_kib(pid: int) -> int:
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def events(n: int) -> list[str]:
    sid, call = f"MZ{n:032d}", f"CA{n:032d}"
    media = {"event": "media", "streamSid": sid,
             "media": {"track": "inbound", "chunk": "1", "timestamp": "0",
                       "payload": SILENCE}}
    return [
        json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}),
        json.dumps({"event": "start", "sequenceNumber": "1", "streamSid": sid,
                    "start": {"accountSid": "AC1", "streamSid": sid, "callSid": call,
                              "tracks": ["inbound"], "customParameters": {},
                              "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000,
                                              "channels": 1}}}),
        json.dumps(media), json.dumps(media), json.dumps(media),
    ]


async def short_call(url: str, n: int, drop: bool) -> None:
    async with connect(url, compression=None, ping_interval=None, close_timeout=3,
                       max_size=2**24) as ws:
        for message in events(n):
            await ws.send(message)
        if drop:
            ws.transport.abort()
            return
        await ws.send(json.dumps({"event": "stop", "sequenceNumber": "5",
                                  "streamSid": f"MZ{n:032d}",
                                  "stop": {"accountSid": "AC1", "callSid": f"CA{n:032d}"}}))
        async for _ in ws:  # whatever the bridge still sends, until it closes
            pass


async def raw_exchange(port: int, data: bytes, read: bool) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    await writer.drain()
    if read:
        await asyncio.wait_for(reader.read(), 5)
    writer.close()
    try:
        await writer.wait_closed()
    except ConnectionError:
        pass


async def storm(bridge: BridgeProcess) -> list[BaseException]:
    gate = asyncio.Semaphore(CONCURRENCY)
    errors: list[BaseException] = []

    async def guarded(coro) -> None:  # type: ignore[no-untyped-def]
        async with gate:
            try:
                await asyncio.wait_for(coro, 20)
            except Exception as exc:  # noqa: BLE001 - collected and reported below
                errors.append(exc)

    upgrade = (b"GET /media-stream HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
               b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
               b"Sec-WebSocket-Version: 13\r\n\r\n")
    jobs = [guarded(short_call(bridge.ws_url, n, drop=False)) for n in range(CALLS)]
    jobs += [guarded(short_call(bridge.ws_url, CALLS + n, drop=True)) for n in range(DROPPED)]
    jobs += [guarded(raw_exchange(bridge.port, b"\x16\x03\x01 not http\r\n\r\n", True))
             for _ in range(BAD_HTTP)]
    jobs += [guarded(raw_exchange(bridge.port, upgrade, False)) for _ in range(ABANDONED)]
    await asyncio.gather(*jobs)
    return errors


@pytest.mark.timeout(240)
def test_descriptors_and_memory_return_to_baseline_after_thousands_of_calls(
        start_bridge: Callable[..., BridgeProcess]) -> None:
    bridge = start_bridge({"GREETING": ""})
    pid = bridge.proc.pid
    # Warm up first: the first calls allocate what a process keeps (threads, buffers).
    async def warm_up() -> None:
        await asyncio.gather(*(short_call(bridge.ws_url, 900000 + n, drop=False) for n in range(20)))
    run(warm_up())
    time.sleep(0.5)
    fds_before, rss_before = fd_count(pid), rss_kib(pid)

    peak, done = [fds_before], threading.Event()

    def sample() -> None:  # the fd count while calls are up: proves the test saw them open
        while not done.is_set():
            peak[0] = max(peak[0], fd_count(pid))
            time.sleep(0.005)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.monotonic()
    try:
        errors = run(storm(bridge), timeout=200)
    finally:
        done.set()
        sampler.join()
    took = time.monotonic() - started
    assert not errors, f"{len(errors)} exchanges failed, first: {errors[0]!r}"

    settled = wait_until(lambda: fd_count(pid) <= fds_before, timeout=10)
    fds_after, rss_after = fd_count(pid), rss_kib(pid)
    ended = sum(1 for line in bridge.log_lines() if "call ended" in line)
    print(f"\n{CALLS + DROPPED} calls, {BAD_HTTP} bad requests, {ABANDONED} abandoned upgrades in "
          f"{took:.1f} s; fds {fds_before} -> peak {peak[0]} -> {fds_after}; "
          f"RSS {rss_before} -> {rss_after} KiB")
    assert peak[0] >= fds_before + CONCURRENCY // 2, "calls never held descriptors: nothing was measured"
    assert settled, (f"descriptors did not return to the baseline: {fds_before} before, "
                     f"{fds_after} after\n" + "\n".join(os.listdir(f"/proc/{pid}/fd")))
    assert ended >= CALLS + DROPPED + 20, f"only {ended} 'call ended' lines"
    assert bridge.alive()
    # Memory is bounded by the calls in flight, not by how many came before.
    assert rss_after - rss_before < 64 * 1024, f"RSS grew by {rss_after - rss_before} KiB"
