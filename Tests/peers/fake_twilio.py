"""A caller that behaves like Twilio Media Streams, as an asyncio `websockets` client.

Messages follow /work/shared/PROTOCOLS.md §1: `sequenceNumber`, `media.chunk` and
`media.timestamp` are JSON strings; `mediaFormat.sampleRate` and `channels` are numbers.

    async with FakeTwilioCall(url) as call:       # connects, sends `connected` and `start`
        await call.send_audio(ulaw_bytes)          # 160-byte frames, paced at 20 ms
        await call.wait_for_audio(len(expected))
        await call.stop()                          # sends `stop`, then closes
    call.audio, call.violations, call.marks_played ...

Like Twilio, it plays what it receives: a `mark` from the bridge is echoed once the audio
queued before it would have finished playing (8,000 bytes/s from when it arrived), and a
`clear` drops the queue and echoes every pending mark at once. Anything Twilio would reject
(binary frames, unknown events, a wrong streamSid, bad base64) lands in `violations`.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import secrets
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

SAMPLE_RATE = 8000  # μ-law bytes per second


def twilio_sid(prefix: str) -> str:
    """A Twilio-shaped SID: two-letter prefix + 32 hex digits."""
    return prefix + secrets.token_hex(16)


@dataclass
class PendingMark:
    name: str
    handle: asyncio.TimerHandle


class FakeTwilioCall:
    """One Twilio Media Stream call against `url` (ws://host:port/media-stream)."""

    def __init__(self, url: str, *, stream_sid: str | None = None, call_sid: str | None = None,
                 account_sid: str | None = None,
                 custom_parameters: dict[str, str] | None = None,
                 frame_ms: float = 20.0, pace: float = 1.0, open_timeout: float = 5.0,
                 headers: dict[str, str] | None = None) -> None:
        """`pace` scales the sleep between frames: 1.0 = real time, 0 = as fast as possible.
        `headers` go on the upgrade request (e.g. X-Twilio-Signature)."""
        self.url = url
        self.stream_sid = stream_sid or twilio_sid("MZ")
        self.call_sid = call_sid or twilio_sid("CA")
        self.account_sid = account_sid or twilio_sid("AC")
        self.custom_parameters = (dict(custom_parameters) if custom_parameters is not None
                                  else {"From": "+15551230000", "CallSid": self.call_sid})
        self.frame_ms = frame_ms
        self.pace = pace
        self.open_timeout = open_timeout
        self.headers = dict(headers or {})

        self.ws: ClientConnection | None = None
        self.received: list[dict[str, Any]] = []  # every JSON message from the bridge
        self.media_chunks: list[bytes] = []        # decoded media payloads, in order
        self.media_times: list[float] = []         # loop.time() each media message arrived
        self.sent_payloads: list[str] = []         # base64 payloads we sent, in order
        self.sent_times: list[float] = []          # loop.time() each payload was sent
        self.marks_played: list[str] = []          # echoed after playing
        self.marks_cleared: list[str] = []         # echoed because a clear flushed them
        self.clears = 0
        self.violations: list[str] = []            # what Twilio would reject (31950/31951)
        self.closed = asyncio.Event()
        self.close_code: int | None = None
        self.close_reason: str | None = None
        self.closed_by_bridge: bool | None = None
        self.first_audio_at: float | None = None
        self.started_at: float | None = None

        self._sequence = 0
        self._chunk = 0
        self._audio_ms = 0.0
        self._play_end = 0.0
        self._pending_marks: list[PendingMark] = []
        self._reader: asyncio.Task[None] | None = None
        self._audio_waiters: list[tuple[int, asyncio.Future[None]]] = []
        self._send_lock = asyncio.Lock()
        self._closing = False

    # -- lifecycle ---------------------------------------------------------------------

    async def __aenter__(self) -> FakeTwilioCall:
        await self.connect()
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def connect(self) -> None:
        """Opens the WebSocket (no compression, like Twilio) and starts reading."""
        self.ws = await connect(self.url, compression=None, open_timeout=self.open_timeout,
                                max_size=2**24, ping_interval=None, close_timeout=2,
                                user_agent_header="Twilio.TmeWs/1.0",
                                additional_headers=self.headers or None)
        self._reader = asyncio.create_task(self._read_loop())

    async def start(self) -> None:
        """Sends `connected` then `start` (sequenceNumber "1")."""
        loop = asyncio.get_running_loop()
        self.started_at = loop.time()
        await self._send({"event": "connected", "protocol": "Call", "version": "1.0.0"})
        await self._send({
            "event": "start", "sequenceNumber": self._next_sequence(),
            "streamSid": self.stream_sid,
            "start": {"accountSid": self.account_sid, "streamSid": self.stream_sid,
                      "callSid": self.call_sid, "tracks": ["inbound"],
                      "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": SAMPLE_RATE,
                                      "channels": 1},
                      "customParameters": self.custom_parameters},
        })

    async def send_audio(self, audio: bytes, frame_bytes: int = 160,
                         pace: float | None = None) -> int:
        """Sends μ-law `audio` as media events of `frame_bytes`, paced like a phone line."""
        payloads = [base64.b64encode(audio[i:i + frame_bytes]).decode()
                    for i in range(0, len(audio), frame_bytes)]
        return await self.send_payloads(payloads, pace=pace)

    async def send_payloads(self, payloads: list[str], pace: float | None = None) -> int:
        """Sends each base64 string as one media event, unchanged.

        Stops quietly if the bridge closes the socket (as Twilio would) and returns how many
        were sent; `closed` tells why.
        """
        pace = self.pace if pace is None else pace
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        for sent, payload in enumerate(payloads):
            try:
                await self.send_media(payload)
            except ConnectionClosed:
                return sent
            if pace > 0:
                next_at += self.frame_ms / 1000 * pace
                await asyncio.sleep(max(0.0, next_at - loop.time()))
        return len(payloads)

    async def send_media(self, payload: str) -> None:
        """One media event; timestamp = audio position in ms (Twilio's media clock)."""
        self._chunk += 1
        msg = {"event": "media", "sequenceNumber": self._next_sequence(),
               "streamSid": self.stream_sid,
               "media": {"track": "inbound", "chunk": str(self._chunk),
                         "timestamp": str(int(self._audio_ms)), "payload": payload}}
        try:
            self._audio_ms += len(base64.b64decode(payload)) * 1000 / SAMPLE_RATE
        except (binascii.Error, ValueError):
            pass  # tests may send junk on purpose
        await self._send(msg)
        self.sent_payloads.append(payload)
        self.sent_times.append(asyncio.get_running_loop().time())

    async def send_dtmf(self, digit: str) -> None:
        await self._send({"event": "dtmf", "sequenceNumber": self._next_sequence(),
                          "streamSid": self.stream_sid,
                          "dtmf": {"track": "inbound_track", "digit": digit}})

    async def stop(self, close: bool = True) -> None:
        """Sends `stop` (the caller hung up) and, unless told not to, closes the socket.

        A socket the bridge already closed is not an error here: there is no one to tell.
        """
        try:
            await self._send({"event": "stop", "sequenceNumber": self._next_sequence(),
                              "streamSid": self.stream_sid,
                              "stop": {"accountSid": self.account_sid,
                                       "callSid": self.call_sid}})
        except ConnectionClosed:
            pass
        if close:
            await self.close()

    async def close(self) -> None:
        self._closing = True
        for mark in self._pending_marks:
            mark.handle.cancel()
        self._pending_marks.clear()
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            try:
                await asyncio.wait_for(self._reader, 3)
            except (asyncio.TimeoutError, asyncio.CancelledError):
                self._reader.cancel()

    # -- waiting -----------------------------------------------------------------------

    @property
    def play_end(self) -> float:
        """loop.time() at which the audio received so far has finished playing."""
        return self._play_end

    @property
    def audio(self) -> bytes:
        """Every audio byte received so far, concatenated (message boundaries don't matter)."""
        return b"".join(self.media_chunks)

    async def wait_for_audio(self, n_bytes: int, timeout: float = 5.0) -> bool:
        """True once at least `n_bytes` of audio arrived; False on timeout or close."""
        if len(self.audio) >= n_bytes:
            return True
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._audio_waiters.append((n_bytes, fut))
        try:
            await asyncio.wait_for(asyncio.shield(fut), timeout)
        except asyncio.TimeoutError:
            pass
        return len(self.audio) >= n_bytes

    async def wait_closed(self, timeout: float = 5.0) -> bool:
        """True if the socket closed (by either side) within `timeout` seconds."""
        try:
            await asyncio.wait_for(self.closed.wait(), timeout)
            return True
        except asyncio.TimeoutError:
            return False

    # -- internals ---------------------------------------------------------------------

    def _next_sequence(self) -> str:
        self._sequence += 1
        return str(self._sequence)

    async def _send(self, msg: dict[str, Any]) -> None:
        assert self.ws is not None, "connect() first"
        async with self._send_lock:
            await self.ws.send(json.dumps(msg))

    def _wake_audio_waiters(self) -> None:
        have = sum(len(c) for c in self.media_chunks)
        for n, fut in list(self._audio_waiters):
            if have >= n and not fut.done():
                fut.set_result(None)
        self._audio_waiters = [(n, f) for n, f in self._audio_waiters if not f.done()]

    async def _read_loop(self) -> None:
        assert self.ws is not None
        try:
            async for message in self.ws:
                self._on_message(message)
        except ConnectionClosed:
            pass
        finally:
            self.close_code = self.ws.close_code
            self.close_reason = self.ws.close_reason
            # Closed by the bridge: a close frame we didn't start, or a dropped TCP connection.
            self.closed_by_bridge = not self._closing
            for _, fut in self._audio_waiters:
                if not fut.done():
                    fut.set_result(None)
            self.closed.set()

    def _on_message(self, message: str | bytes) -> None:
        if isinstance(message, bytes):
            self.violations.append("31950: binary frame received")
            return
        try:
            msg = json.loads(message)
        except json.JSONDecodeError:
            self.violations.append(f"31951: malformed JSON: {message[:80]!r}")
            return
        self.received.append(msg)
        event = msg.get("event") if isinstance(msg, dict) else None
        if event not in ("media", "mark", "clear"):
            self.violations.append(f"31951: unknown event {event!r}")
            return
        if msg.get("streamSid") != self.stream_sid:
            self.violations.append(f"31951: {event} with streamSid {msg.get('streamSid')!r}, "
                                   f"expected {self.stream_sid!r}")
            return
        if event == "media":
            self._on_media(msg)
        elif event == "mark":
            name = (msg.get("mark") or {}).get("name")
            if not isinstance(name, str):
                self.violations.append("31951: mark without a name")
                return
            self._on_mark(name)
        else:
            self._on_clear()

    def _on_media(self, msg: dict[str, Any]) -> None:
        payload = (msg.get("media") or {}).get("payload")
        try:
            chunk = base64.b64decode(payload, validate=True)
        except (binascii.Error, TypeError, ValueError):
            self.violations.append(f"31951: media payload is not base64: {payload!r:.80}")
            return
        loop = asyncio.get_running_loop()
        now = loop.time()
        if self.first_audio_at is None and chunk:
            self.first_audio_at = now
        self._play_end = max(now, self._play_end) + len(chunk) / SAMPLE_RATE
        self.media_chunks.append(chunk)
        self.media_times.append(now)
        self._wake_audio_waiters()

    def _on_mark(self, name: str) -> None:
        loop = asyncio.get_running_loop()
        at = max(loop.time(), self._play_end)
        pending: PendingMark
        handle = loop.call_at(at, lambda: self._echo_mark(pending, played=True))
        pending = PendingMark(name, handle)
        self._pending_marks.append(pending)

    def _on_clear(self) -> None:
        self.clears += 1
        self._play_end = asyncio.get_running_loop().time()
        pending, self._pending_marks = self._pending_marks, []
        for mark in pending:
            mark.handle.cancel()
            self._pending_marks.append(mark)
            self._echo_mark(mark, played=False)

    def _echo_mark(self, mark: PendingMark, played: bool) -> None:
        if mark not in self._pending_marks:
            return
        self._pending_marks.remove(mark)
        (self.marks_played if played else self.marks_cleared).append(mark.name)
        if self.ws is None or self.closed.is_set():
            return
        msg = {"event": "mark", "sequenceNumber": self._next_sequence(),
               "streamSid": self.stream_sid, "mark": {"name": mark.name}}
        asyncio.ensure_future(self._send_quietly(msg))

    async def _send_quietly(self, msg: dict[str, Any]) -> None:
        try:
            await self._send(msg)
        except ConnectionClosed:
            pass
