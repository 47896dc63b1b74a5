"""MAX_CALLS (busy TwiML, 503 on the upgrade) and the per-call bound on audio waiting for a
Twilio that stopped reading."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import struct
import time
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from typing import Callable

import pytest
from harness import BridgeProcess, MockProcess, openai_env, run, wait_until
from test_metrics_health import Scrape
from websockets.exceptions import InvalidStatus

from peers.certs import TestPKI
from peers.fake_twilio import FakeTwilioCall


WEBHOOK_CALL_SID = "CA" + "5" * 32


def webhook(bridge: BridgeProcess, call_sid: str = WEBHOOK_CALL_SID) -> str:
    data = urllib.parse.urlencode({"CallSid": call_sid, "From": "+15550001111"}).encode()
    with urllib.request.urlopen(f"{bridge.http_url}/incoming-call", data=data, timeout=5) as resp:
        assert resp.status == 200
        return resp.read().decode()


def is_busy(twiml: str) -> bool:
    root = ET.fromstring(twiml)
    say = root.find("Say")
    return (root.tag == "Response" and say is not None and bool((say.text or "").strip())
            and root.find("Hangup") is not None and root.find("Connect") is None)


def test_max_calls_answers_busy_twiml_and_refuses_streams_with_503(
        start_bridge: Callable[..., BridgeProcess]) -> None:
    bridge = start_bridge({"MAX_CALLS": "1"})
    assert bridge.wait_for_log(r"max_calls=1 max_calls_from=MAX_CALLS", 1)

    async def scenario() -> None:
        first = FakeTwilioCall(bridge.ws_url)
        await first.connect()
        await first.start()
        await first.wait_for_audio(1, timeout=5)
        twiml = await asyncio.to_thread(webhook, bridge)
        assert is_busy(twiml), twiml
        with pytest.raises(InvalidStatus) as refusal:
            await FakeTwilioCall(bridge.ws_url).connect()
        assert refusal.value.response.status_code == 503
        await first.stop()

    run(scenario())
    assert wait_until(lambda: bridge.wait_for_log("call ended", 0), 5)
    assert "<Connect>" in webhook(bridge), "a slot is free again once the call ended"
    m = Scrape(bridge)
    assert m.value("voice_bridge_calls_total", outcome="rejected_busy") == 2
    assert m.value("voice_bridge_max_calls") == 1


def test_default_max_calls_is_sized_and_logged(start_bridge: Callable[..., BridgeProcess]) -> None:
    bridge = start_bridge({})
    line = bridge.wait_for_log(r"max_calls=\d+ max_calls_from=\"auto: ", 1)
    assert line, bridge.stderr()
    assert Scrape(bridge).value("voice_bridge_max_calls") >= 1


class StalledTwilio:
    """A Twilio Media Streams client that connects, starts the call, then never reads again."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /media-stream HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                           f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.sock.recv(1)
        assert head.startswith(b"HTTP/1.1 101"), head
        sid = "MZ" + "7" * 32
        self.send({"event": "connected", "protocol": "Call", "version": "1.0.0"})
        self.send({"event": "start", "sequenceNumber": "1", "streamSid": sid,
                   "start": {"accountSid": "AC" + "0" * 32, "streamSid": sid, "callSid": "CA" + "7" * 32,
                             "tracks": ["inbound"], "customParameters": {},
                             "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1}}})

    def send(self, message: dict) -> None:
        payload = json.dumps(message).encode()
        mask = os.urandom(4)
        header = bytes([0x81]) + (bytes([0x80 | len(payload)]) if len(payload) < 126
                                  else bytes([0x80 | 126]) + struct.pack("!H", len(payload)))
        self.sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def close(self) -> None:
        self.sock.close()


def test_audio_piling_up_toward_a_stalled_twilio_ends_the_call(
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        pki: TestPKI) -> None:
    # The greeting is ~6 MB of audio: far more than loopback socket buffers hold.
    mock = start_mock("--greeting-bytes", str(6_000_000))
    bridge = start_bridge(openai_env(mock, pki, MAX_BUFFERED_AUDIO_SECONDS="1"))
    twilio = StalledTwilio(bridge.port)
    try:
        line = bridge.wait_for_log(r"Twilio is not reading", 30)
        assert line, bridge.stderr()
        assert "limit_bytes=81536" in line  # 1 s × 16,000 + 64 KiB
        assert bridge.wait_for_log(r"call ended.*outcome=buffer_overflow", 5)
        m = Scrape(bridge)
        assert m.value("voice_bridge_calls_total", outcome="buffer_overflow") == 1
        assert m.value("voice_bridge_active_calls") == 0
        assert m.value("process_resident_memory_bytes") < 200 << 20
        assert bridge.alive()
    finally:
        twilio.close()
    assert mock.wait_closed(1, 5), "the provider session was closed with the call"
    time.sleep(0.1)


def test_audio_piling_up_toward_a_stalled_provider_ends_the_call(
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        pki: TestPKI) -> None:
    mock = start_mock("--stall-after", "3")
    bridge = start_bridge(openai_env(mock, pki, MAX_BUFFERED_AUDIO_SECONDS="1"))

    async def scenario() -> FakeTwilioCall:
        call = FakeTwilioCall(bridge.ws_url, pace=0)
        await call.connect()
        await call.start()
        # ~11 MB of appends as fast as the socket takes them: more than loopback buffers hold.
        await call.send_audio(bytes(range(256)) * 6250 * 4, pace=0)
        await call.wait_closed(10)
        return call

    call = run(scenario(), timeout=90)
    line = bridge.wait_for_log(r"the provider is not reading", 5)
    assert line and "limit_bytes=81536" in line, bridge.stderr()
    assert call.closed_by_bridge and call.close_code == 1011, (call.close_code, call.close_reason)
    assert bridge.wait_for_log(r"call ended.*outcome=buffer_overflow", 2)
    assert any(r["kind"] == "stalled" for r in mock.records())
    m = Scrape(bridge)
    assert m.value("voice_bridge_calls_total", outcome="buffer_overflow") == 1
    assert m.value("process_resident_memory_bytes") < 200 << 20
