"""The fake caller and the mock provider against each other through a tiny relay.

The relay is the least a bridge does (start -> session.update, media -> append,
delta -> media); if this passes, a failing e2e case is about the bridge, not the peers.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve

from peers.fake_twilio import FakeTwilioCall
from peers.mock_provider import GREETING_AUDIO, MockOptions, MockProvider
from peers.realtime_schema import check_events


async def relay(caller: ServerConnection, provider_url: str) -> None:
    start = json.loads(await caller.recv())
    while start.get("event") != "start":
        start = json.loads(await caller.recv())
    sid = start["streamSid"]
    async with connect(provider_url, compression=None) as provider:
        await provider.send(json.dumps({"type": "session.update", "session": {
            "type": "realtime", "audio": {"input": {"format": {"type": "audio/pcmu"}},
                                          "output": {"format": {"type": "audio/pcmu"}}}}}))
        await provider.send(json.dumps({"type": "response.create"}))

        async def up() -> None:
            async for message in caller:
                event = json.loads(message)
                if event["event"] == "media":
                    await provider.send(json.dumps({"type": "input_audio_buffer.append",
                                                    "audio": event["media"]["payload"]}))
                elif event["event"] == "stop":
                    return

        async def down() -> None:
            async for message in provider:
                event = json.loads(message)
                if event["type"] == "response.output_audio.delta":
                    await caller.send(json.dumps({"event": "media", "streamSid": sid,
                                                  "media": {"payload": event["delta"]}}))
        tasks = [asyncio.create_task(up()), asyncio.create_task(down())]
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in tasks:
            task.cancel()


def test_fake_caller_and_mock_provider_through_a_relay() -> None:
    async def scenario() -> tuple[FakeTwilioCall, list[dict[str, Any]]]:
        mock = MockProvider(MockOptions(plain=True))
        mock_port = await mock.start()
        url = f"ws://127.0.0.1:{mock_port}/v1/realtime?model=gpt-realtime"
        async with serve(lambda ws: relay(ws, url), "127.0.0.1", 0) as server:
            port = server.sockets[0].getsockname()[1]
            audio = bytes(range(256)) * 5
            async with FakeTwilioCall(f"ws://127.0.0.1:{port}/media-stream", pace=0.1) as call:
                await call.send_audio(audio)
                assert await call.wait_for_audio(len(GREETING_AUDIO) + len(audio))
                await call.stop()
            for _ in range(40):
                if any(r["kind"] == "closed" for r in mock.recorder.records):
                    break
                await asyncio.sleep(0.05)
        await mock.close()
        return call, mock.recorder.records

    call, records = asyncio.run(asyncio.wait_for(scenario(), 30))
    assert call.audio == GREETING_AUDIO + bytes(range(256)) * 5
    assert call.violations == []
    events = [r["event"] for r in records if r["kind"] == "event"]
    appends = [e["audio"] for e in events if e["type"] == "input_audio_buffer.append"]
    assert appends == call.sent_payloads
    assert check_events(events, "ga", "client") == []
    assert records[-1]["kind"] == "closed" and records[-1]["by"] == "client"
