"""Self-tests of the fake Twilio caller against a bare `websockets` server."""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any, Awaitable, Callable

from websockets.asyncio.server import ServerConnection, serve

from peers.fake_twilio import FakeTwilioCall

Script = Callable[[ServerConnection, list[dict[str, Any]]], Awaitable[None]]


async def with_server(script: Script, scenario: Callable[[str], Awaitable[Any]]
                      ) -> tuple[Any, list[dict[str, Any]]]:
    """Runs `scenario(url)` against a server that records messages and then runs `script`."""
    seen: list[dict[str, Any]] = []

    async def handler(ws: ServerConnection) -> None:
        await script(ws, seen)

    async with serve(handler, "127.0.0.1", 0, compression=None) as server:
        port = server.sockets[0].getsockname()[1]
        result = await scenario(f"ws://127.0.0.1:{port}/media-stream")
    return result, seen


async def record_all(ws: ServerConnection, seen: list[dict[str, Any]]) -> None:
    async for message in ws:
        seen.append(json.loads(message))


def run(coro: Awaitable[Any]) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 30))


def test_messages_match_twilio_shapes() -> None:
    async def scenario(url: str) -> FakeTwilioCall:
        async with FakeTwilioCall(url, custom_parameters={"token": "t1"}) as call:
            await call.send_audio(bytes(range(200)) + bytes(200), pace=0)
            await call.send_dtmf("5")
            await call.stop()
        return call

    call, seen = run(with_server(record_all, scenario))
    assert [m["event"] for m in seen] == ["connected", "start", "media", "media", "media",
                                          "dtmf", "stop"]
    assert seen[0] == {"event": "connected", "protocol": "Call", "version": "1.0.0"}
    start = seen[1]
    assert start["sequenceNumber"] == "1" and start["streamSid"] == call.stream_sid
    assert call.stream_sid.startswith("MZ") and len(call.stream_sid) == 34
    assert start["start"]["callSid"].startswith("CA")
    assert start["start"]["mediaFormat"] == {"encoding": "audio/x-mulaw", "sampleRate": 8000,
                                             "channels": 1}
    assert start["start"]["customParameters"] == {"token": "t1"}
    media = seen[2:5]
    assert [m["sequenceNumber"] for m in media] == ["2", "3", "4"]
    assert [m["media"]["chunk"] for m in media] == ["1", "2", "3"]
    assert [m["media"]["timestamp"] for m in media] == ["0", "20", "40"]
    audio = b"".join(base64.b64decode(m["media"]["payload"]) for m in media)
    assert audio == bytes(range(200)) + bytes(200)
    assert [m["media"]["payload"] for m in media] == call.sent_payloads
    assert seen[5]["dtmf"] == {"track": "inbound_track", "digit": "5"}
    assert seen[6]["stop"]["callSid"] == call.call_sid and seen[6]["sequenceNumber"] == "6"


def test_media_is_paced_in_real_time() -> None:
    async def scenario(url: str) -> float:
        async with FakeTwilioCall(url) as call:
            loop = asyncio.get_running_loop()
            t0 = loop.time()
            await call.send_audio(bytes(160 * 25))  # 500 ms of audio
            return loop.time() - t0

    elapsed, seen = run(with_server(record_all, scenario))
    assert 0.45 <= elapsed < 2.0  # generous upper bound: CI machines are busy
    assert sum(m["event"] == "media" for m in seen) == 25


def test_marks_echo_after_playback_and_clear_flushes() -> None:
    async def script(ws: ServerConnection, seen: list[dict[str, Any]]) -> None:
        start = None
        async for message in ws:
            msg = json.loads(message)
            seen.append(msg)
            if msg["event"] == "start":
                start = msg["streamSid"]
                loop = asyncio.get_running_loop()
                seen.append({"sent_at": loop.time()})
                one_second = base64.b64encode(bytes(8000)).decode()
                await ws.send(json.dumps({"event": "media", "streamSid": start,
                                          "media": {"payload": one_second}}))
                await ws.send(json.dumps({"event": "mark", "streamSid": start,
                                          "mark": {"name": "played"}}))
                await ws.send(json.dumps({"event": "media", "streamSid": start,
                                          "media": {"payload": one_second}}))
                await ws.send(json.dumps({"event": "mark", "streamSid": start,
                                          "mark": {"name": "flushed"}}))
            elif msg["event"] == "mark" and msg["mark"]["name"] == "played":
                seen.append({"echo_at": asyncio.get_running_loop().time()})
                await ws.send(json.dumps({"event": "clear", "streamSid": start}))

    async def scenario(url: str) -> FakeTwilioCall:
        async with FakeTwilioCall(url) as call:
            await asyncio.sleep(1.6)
        return call

    call, seen = run(with_server(script, scenario))
    sent_at = next(m["sent_at"] for m in seen if "sent_at" in m)
    echo_at = next(m["echo_at"] for m in seen if "echo_at" in m)
    assert 0.95 <= echo_at - sent_at < 1.8  # 8,000 bytes play for one second
    assert call.marks_played == ["played"] and call.marks_cleared == ["flushed"]
    echoes = [m for m in seen if m.get("event") == "mark"]
    assert [m["mark"]["name"] for m in echoes] == ["played", "flushed"]
    assert all(m["streamSid"] == call.stream_sid for m in echoes)
    assert len(call.audio) == 16000 and call.clears == 1 and call.violations == []


def test_violations_are_recorded_and_bridge_close_is_seen() -> None:
    async def script(ws: ServerConnection, seen: list[dict[str, Any]]) -> None:
        async for message in ws:
            if json.loads(message)["event"] == "start":
                await ws.send(b"\x00binary")
                await ws.send(json.dumps({"event": "media", "streamSid": "MZwrong",
                                          "media": {"payload": "AAAA"}}))
                await ws.send(json.dumps({"event": "media", "streamSid": json.loads(message)
                                          ["streamSid"], "media": {"payload": "!!"}}))
                await ws.send(json.dumps({"event": "hello"}))
                await ws.close(1011, "provider refused")
                return

    async def scenario(url: str) -> tuple[FakeTwilioCall, bool]:
        call = FakeTwilioCall(url)
        await call.connect()
        await call.start()
        closed = await call.wait_closed(3)
        return call, closed

    (call, closed), _ = run(with_server(script, scenario))
    assert closed and call.closed_by_bridge and call.close_code == 1011
    assert call.close_reason == "provider refused"
    assert len(call.violations) == 4, call.violations
    assert call.violations[0].startswith("31950")
    assert all(v.startswith("31951") for v in call.violations[1:])
    assert call.audio == b""


def test_wait_for_audio_times_out_with_false() -> None:
    async def scenario(url: str) -> tuple[bool, bool]:
        async with FakeTwilioCall(url) as call:
            return await call.wait_for_audio(1, timeout=0.2), call.closed.is_set()

    (got, closed), _ = run(with_server(record_all, scenario))
    assert got is False and closed is False
