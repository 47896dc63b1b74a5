#!/usr/bin/env python3
"""A mock of OpenAI's GPT-Live WebSocket service (`wss://api.openai.com/v1/live/sessions`, Azure
`/openai/v1/live/sessions`), built on `websockets`.

It is a peer we did not write: the bridge under test connects to it exactly as it would to
api.openai.com or RESOURCE.openai.azure.com (TLS with a test certificate, or --plain). Other
paths get HTTP 404. Wire facts: /work/shared/GPT-LIVE.md and the SDK's `openai.types.live`.

Every client event is validated against the official SDK's models (`live_schema.py`: typed
checks, fields the models do not define, "required, nullable" `delegation_id`, Realtime-only
events). A failing event is recorded as a `violation` and answered with an `error` event
(`invalid_request_error`, the problem's code, e.g. `unknown_parameter`, `param`, and
`client_event_id` = the event's `event_id`); the command is not carried out.

Per connection:
- the first event must be `session.start`; anything else first -> `error` + violation. The reply
  is `session.started` with the resolved session (id `live_…`, expires_at = now + --expires-in,
  model, status "active", audio.format as requested — `audio/pcm` 24000 when omitted, an
  assumption — voice `marin`, delegation `{type:"client"}` when omitted, acknowledgement_delay_ms
  0, instructions "", input [], store false, triggers []). `--refuse-format TYPE[:RATE]` answers
  such a session.start with `error` code `invalid_value`, param `session.audio.format.type`, and
  does not start the session: a later `session.start` on the same socket may try another format.
- echo: every `session.input_audio.append` -> one `session.output_audio.delta` carrying the same
  base64 string (unless --no-echo). Invalid base64, or an odd byte count with audio/pcm ->
  `error` code `invalid_audio` (and a violation).
- `session.commentary.append` -> `session.commentary.appended{start_ms,end_ms}`, then the
  greeting: --greeting-ms of audio as `session.output_audio.delta` events of 20 ms each, paced in
  real time (one every 20 ms) or all at once with --burst, with `session.output_transcript.delta`
  fragments (one per word of GREETING_TRANSCRIPT) carrying start_ms/end_ms.
  Audio bytes: for audio/pcmu and audio/pcma byte i is `0x20 + (i*7) % 0x50` (the pattern of
  mock_provider's GREETING_AUDIO; never μ-law silence 0xFF/0x7F); for audio/pcm sample i is the
  int16 little-endian value `(0x20 + (i*7) % 0x50) * 64`. The spoken tool answer uses
  `0x30 + (i*5) % 0x40` the same way (ANSWER_TRANSCRIPT). See `speech_audio()`.
- `session.thinking.append` / `session.instructions.append` -> `…appended{start_ms,end_ms}`.
  With Responses delegation a non-null `delegation_id` is refused (`invalid_value`), as the SDK
  documents.
- `--transcribe-after N`: after the Nth append, `session.input_transcript.delta` fragments
  ("hello", " from", " the", " caller") with start_ms/end_ms on the input timeline.
- tools (`--tool-call NAME:JSON`, repeatable; `--tool-call-after N`, Responses delegation only):
  after the Nth append, `session.delegation.created{offset_ms, delegation{id, type:"delegation",
  target:"responses", response_id}}`, then `response.event{delegation_id, event}` envelopes:
  `response.created`, `response.in_progress`, and per call `response.output_item.added`,
  `response.function_call_arguments.delta`/`.done`, `response.output_item.done` (item
  `{type:"function_call", id, call_id, name, arguments, status}`). The client must send
  `response.item.create{item:{type:"function_call_output", call_id, output}}` for every call,
  then one `response.create`; an early `response.create` -> `error`
  `function_call_outputs_required` (and a violation). A complete `response.create` ->
  `response.event` `response.in_progress` + `response.completed` (usage input/output/total
  tokens), then ANSWER audio (--answer-ms) is spoken. A `response.create` with nothing pending
  runs a fresh backend response the same way.
- `session.close` -> `session.closed{reason:"close_requested", usage:{seconds: float seconds since
  session.started}, session}`, then close 1000. --usage-every-ms N: `session.usage.updated`.
- `--drop-after N`: after the Nth append close 1011 (or `--drop-mode abort`: TCP reset).
  `--expire-after-ms MS`: MS after session.started, `session.closed{reason:"expired"}`, close 1000.
- also: `session.update` (same delegation type only; others `invalid_value`) -> `session.updated`;
  mute/unmute -> muted/unmuted; fixture.play -> playing, played; decision.* -> error.

--record FILE writes JSON lines, each with `conn` (1-based handshake number):
  {"kind":"handshake","conn":1,"path":"/v1/live/sessions","query":"","params":{},
   "headers":{lower-case name: value},"refused":null|401|404|STATUS}
  {"kind":"event","conn":1,"event":{…}}            every client event received (invalid JSON: "raw")
  {"kind":"sent","conn":1,"event":{…}}             every server event the mock sent (event_id
                                                   "event_C_N"; none on output audio deltas, as in the SDK)
  {"kind":"violation","conn":1,"event_type":"…","event_id":…,"code":"…","param":…,"problem":"…"}
  {"kind":"format_refused","conn":1,"format":{…}}  (--refuse-format)
  {"kind":"tool_round","conn":1,"delegation_id":"…","call_ids":[…],"outputs":{call_id: count},
   "response_creates":1}                           when response.completed is sent for a round
  {"kind":"dropped","conn":1,"mode":"close"|"abort"|"expire"}
  {"kind":"summary","conn":1,"started":true,"appends":N,"response_creates":N,
   "function_call_outputs":N,"violations":N,"session_id":"live_…"}   just before `closed`
  {"kind":"closed","conn":1,"code":1000,"reason":"","by":"client"|"server"|"none"}
With --timestamps every record also carries `t`: time.monotonic() when it was written (one clock
for all local processes on Linux), so e.g. the `event` record of `session.close` says when it came.

Run `mock_live.py --help` for the options. Prints `listening port=N` on stdout when ready.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import copy
import itertools
import json
import signal
import ssl
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

try:  # run as Tests/peers/mock_live.py or imported as peers.mock_live
    from peers.live_schema import check_client_event
except ImportError:  # pragma: no cover - script mode
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from peers.live_schema import check_client_event

PATHS = ("/v1/live/sessions", "/openai/v1/live/sessions")
CHUNK_MS = 20
GREETING_TRANSCRIPT = "Hello, this is the mock live model."
ANSWER_TRANSCRIPT = "Here is what I found."
INPUT_TRANSCRIPT = ["hello", " from", " the", " caller"]
# The SDK's OutputAudioDeltaEvent defines no event_id (nor client_event_id): audio deltas go bare.
NO_EVENT_ID = {"session.output_audio.delta"}
DEFAULT_FORMAT = {"type": "audio/pcm", "rate": 24000}
UNAUTHORIZED_BODY = json.dumps({"error": {
    "message": "Missing bearer or basic authentication in header",
    "type": "invalid_request_error", "param": None, "code": None}})
NOT_FOUND_BODY = json.dumps({"error": {
    "message": "Invalid URL (GET {path})", "type": "invalid_request_error", "param": None,
    "code": None}})


def bytes_per_ms(fmt: dict[str, Any]) -> int:
    """8 for G.711 at 8 kHz; 32 / 48 for PCM16 at 16 / 24 kHz."""
    if fmt.get("type") == "audio/pcm":
        return 2 * int(fmt["rate"]) // 1000
    return int(fmt.get("rate", 8000)) // 1000


def speech_audio(fmt: dict[str, Any], ms: int, kind: str = "greeting") -> bytes:
    """`ms` of the mock's speech in `fmt`: G.711 byte i = base + (i*step) % span; PCM16 sample i
    = that value * 64 (int16 LE). greeting: 0x20 + (i*7) % 0x50; answer: 0x30 + (i*5) % 0x40."""
    base, step, span = (0x20, 7, 0x50) if kind == "greeting" else (0x30, 5, 0x40)
    if fmt.get("type") == "audio/pcm":
        samples = ms * int(fmt["rate"]) // 1000
        return b"".join(((base + (i * step) % span) * 64).to_bytes(2, "little")
                        for i in range(samples))
    return bytes(base + (i * step) % span for i in range(ms * bytes_per_ms(fmt)))


@dataclass
class LiveOptions:
    """What the mock does; the CLI flags map one to one."""

    host: str = "127.0.0.1"
    port: int = 0
    cert: Path | None = None
    key: Path | None = None
    plain: bool = False
    record: Path | None = None
    timestamps: bool = False
    refuse_status: int | None = None
    refuse_body: str = ""
    refuse_which: set[int] | None = None  # 1-based handshake numbers; None = all
    # Handshakes must carry one of these headers ("name" or "name=value"), else 401.
    require_headers: tuple[str, ...] = ()
    delay_accept_ms: int = 0
    refuse_formats: tuple[str, ...] = ()  # "audio/pcmu" or "audio/pcm:16000"
    echo: bool = True
    greeting_ms: int = 400
    answer_ms: int = 200
    burst: bool = False
    transcribe_after: int | None = None
    tool_calls: list[tuple[str, str]] = field(default_factory=list)
    tool_call_after: int = 5
    usage_every_ms: int | None = None
    drop_after: int | None = None  # appends
    drop_mode: str = "close"
    drop_which: set[int] | None = None
    expire_after_ms: int | None = None
    expires_in: int = 3600


class Recorder:
    """Keeps every record in memory and, when given a path, appends it as a JSON line."""

    def __init__(self, path: Path | None, timestamps: bool = False) -> None:
        self.records: list[dict[str, Any]] = []
        self.timestamps = timestamps
        self._file = open(path, "a", encoding="utf-8") if path else None

    def write(self, record: dict[str, Any]) -> None:
        if self.timestamps:
            record = {**record, "t": time.monotonic()}
        self.records.append(record)
        if self._file:
            self._file.write(json.dumps(record, separators=(",", ":")) + "\n")
            self._file.flush()

    def close(self) -> None:
        if self._file:
            self._file.close()
            self._file = None


def _new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:20]}"


def resolve_session(config: dict[str, Any], fmt: dict[str, Any], expires_in: int
                    ) -> dict[str, Any]:
    """The session resource of `session.started`: the client's config with server defaults."""
    audio = copy.deepcopy(config.get("audio") or {})
    voice = (audio.get("output") or {}).get("voice") or "marin"
    delegation = copy.deepcopy(config.get("delegation")) or {"type": "client"}
    delegation.setdefault("acknowledgement_delay_ms", 400 if delegation["type"] == "decisions" else 0)
    if delegation["type"] == "responses":
        r = delegation["responses"]
        r.setdefault("instructions", None)
        r.setdefault("tools", [])
        r.setdefault("tool_choice", "auto")
        r.setdefault("parallel_tool_calls", True)
    return {
        "id": _new_id("live"),
        "expires_at": int(time.time()) + expires_in,
        "model": config["model"],
        "status": "active",
        "audio": {"format": fmt, "output": {"voice": voice}},
        "delegation": delegation,
        "instructions": config.get("instructions") or "",
        "input": copy.deepcopy(config.get("input") or []),
        "store": bool(config.get("store", False)),
        "triggers": copy.deepcopy(config.get("triggers") or []),
    }


class LiveSession:
    """One GPT-Live WebSocket session on the mock's side."""

    def __init__(self, mock: MockLive, conn: int, ws: ServerConnection) -> None:
        self.mock = mock
        self.o = mock.options
        self.conn = conn
        self.ws = ws
        self.session: dict[str, Any] | None = None
        self.started_at: float | None = None
        self.closing = False
        self._event_ids = itertools.count(1)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._speech = asyncio.Lock()
        self.out_end_ms = 0  # end of the output timeline so far
        self.in_bytes = 0
        self.appends = 0
        self.response_creates = 0
        self.function_call_outputs = 0
        self.violations = 0
        # The tool round waiting for outputs: delegation id, response id, call_id -> count.
        self.round: dict[str, Any] | None = None

    # --- plumbing -------------------------------------------------------------------------

    def record(self, kind: str, **fields: Any) -> None:
        self.mock.recorder.write({"kind": kind, "conn": self.conn, **fields})

    def spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def now_ms(self) -> int:
        return 0 if self.started_at is None else int((time.monotonic() - self.started_at) * 1000)

    @property
    def fmt(self) -> dict[str, Any]:
        return (self.session or {}).get("audio", {}).get("format") or DEFAULT_FORMAT

    @property
    def delegation_type(self) -> str:
        return ((self.session or {}).get("delegation") or {}).get("type", "client")

    async def send(self, event: dict[str, Any], client_event_id: str | None = None) -> None:
        if event["type"] not in NO_EVENT_ID:
            event = {"event_id": f"event_{self.conn}_{next(self._event_ids)}", **event}
        if client_event_id is not None:
            event["client_event_id"] = client_event_id
        self.record("sent", event=event)
        await self.ws.send(json.dumps(event))

    async def error(self, code: str, message: str, param: str | None = None,
                    client_event_id: str | None = None, type_: str = "invalid_request_error") -> None:
        err: dict[str, Any] = {"type": type_, "code": code, "message": message, "param": param}
        if client_event_id is not None:
            err["client_event_id"] = client_event_id
        await self.send({"type": "error", "error": err})

    async def violation(self, event: dict[str, Any] | Any, code: str, message: str,
                        param: str | None = None, answer: bool = True) -> None:
        """A client mistake: recorded, and answered with an error as the service would."""
        kind = event.get("type") if isinstance(event, dict) else None
        eid = event.get("event_id") if isinstance(event, dict) else None
        self.violations += 1
        self.record("violation", event_type=kind, event_id=eid, code=code, param=param,
                    problem=message)
        if answer:
            await self.error(code, message, param, eid if isinstance(eid, str) else None)

    # --- main loop ------------------------------------------------------------------------

    async def run(self) -> None:
        try:
            async for message in self.ws:
                if isinstance(message, bytes):
                    self.record("event", binary=base64.b64encode(message).decode())
                    await self.violation({}, "binary_frame",
                                         "Binary frames are not supported; send JSON text.")
                    continue
                try:
                    event = json.loads(message)
                except json.JSONDecodeError as exc:
                    self.record("event", raw=message)
                    await self.violation({}, "invalid_json", f"Invalid JSON: {exc}")
                    continue
                self.record("event", event=event)
                await self.dispatch(event)
        finally:
            for task in list(self._tasks):
                task.cancel()

    async def dispatch(self, event: Any) -> None:
        problems = check_client_event(event)
        if problems:  # every problem is recorded; the service answers with one error
            for i, p in enumerate(problems):
                await self.violation(event, p.code, p.message, p.param, answer=(i == 0))
            return
        kind, eid = event["type"], event.get("event_id")
        if kind == "session.start":
            await self.start(event, eid)
            return
        if self.session is None:
            await self.violation(event, "session_not_started",
                                 f"'{kind}' sent before session.started; send session.start first "
                                 f"and wait for session.started.")
            return
        if self.closing:
            await self.error("session_closing", "The session is closing.", None, eid)
            return
        handler = {
            "session.input_audio.append": self.append,
            "session.commentary.append": self.context_append,
            "session.thinking.append": self.context_append,
            "session.instructions.append": self.context_append,
            "response.item.create": self.item_create,
            "response.create": self.response_create,
            "session.close": self.close_requested,
            "session.update": self.update,
            "session.input_audio.mute": self.mute,
            "session.input_audio.unmute": self.mute,
            "session.output_audio.fixture.play": self.fixture_play,
        }.get(kind)
        if handler is None:  # decision.* (valid events, but this mock has no Decisions)
            await self.error("invalid_value", f"'{kind}' requires Decisions delegation.",
                             "type", eid)
            return
        await handler(event, eid)

    # --- session lifecycle ----------------------------------------------------------------

    def _refuses_format(self, fmt: dict[str, Any]) -> bool:
        return any(spec == fmt["type"] or spec == f"{fmt['type']}:{fmt.get('rate')}"
                   for spec in self.o.refuse_formats)

    async def start(self, event: dict[str, Any], eid: str | None) -> None:
        if self.session is not None:
            await self.violation(event, "session_already_started",
                                 "session.start may be sent only once per session.")
            return
        config = event["session"]
        fmt = copy.deepcopy(((config.get("audio") or {}).get("format")) or DEFAULT_FORMAT)
        if self._refuses_format(fmt):
            self.record("format_refused", format=fmt)
            await self.error("invalid_value",
                             f"Invalid value: '{fmt['type']}'. This deployment does not support "
                             f"{fmt['type']} at {fmt.get('rate')} Hz.",
                             "session.audio.format.type", eid)
            return
        self.session = resolve_session(config, fmt, self.o.expires_in)
        self.started_at = time.monotonic()
        await self.send({"type": "session.started", "session": self.session}, eid)
        if self.o.usage_every_ms:
            self.spawn(self.report_usage(self.o.usage_every_ms / 1000))
        if self.o.expire_after_ms is not None:
            self.spawn(self.expire(self.o.expire_after_ms / 1000))

    def usage(self) -> dict[str, Any]:
        return {"seconds": round(time.monotonic() - (self.started_at or time.monotonic()), 3)}

    async def report_usage(self, every: float) -> None:
        while not self.closing:
            await asyncio.sleep(every)
            if not self.closing:
                await self.send({"type": "session.usage.updated", "usage": self.usage()})

    async def finish(self, reason: str, eid: str | None = None) -> None:
        self.closing = True
        for task in list(self._tasks):
            if task is not asyncio.current_task():
                task.cancel()
        await self.send({"type": "session.closed", "reason": reason, "usage": self.usage(),
                         "session": self.session}, eid)
        await self.ws.close(1000)

    async def close_requested(self, event: dict[str, Any], eid: str | None) -> None:
        await self.finish("close_requested", eid)

    async def expire(self, after: float) -> None:
        await asyncio.sleep(after)
        if not self.closing:
            self.record("dropped", mode="expire")
            await self.finish("expired")

    async def update(self, event: dict[str, Any], eid: str | None) -> None:
        assert self.session is not None
        change = event["session"]
        new = change.get("delegation")
        if new is not None:
            if new.get("type") != self.delegation_type:
                await self.violation(event, "invalid_value",
                                     f"The delegation type cannot change after startup "
                                     f"('{self.delegation_type}' -> '{new.get('type')}').",
                                     "session.delegation.type")
                return
            current = self.session["delegation"]
            for k, v in new.items():
                if isinstance(v, dict) and isinstance(current.get(k), dict):
                    current[k].update(copy.deepcopy(v))
                else:
                    current[k] = copy.deepcopy(v)
        if "triggers" in change:
            self.session["triggers"] = copy.deepcopy(change["triggers"] or [])
        await self.send({"type": "session.updated", "session": self.session}, eid)

    async def mute(self, event: dict[str, Any], eid: str | None) -> None:
        done = "muted" if event["type"].endswith(".mute") else "unmuted"
        await self.send({"type": f"session.input_audio.{done}"}, eid)

    async def fixture_play(self, event: dict[str, Any], eid: str | None) -> None:
        ms = len(base64.b64decode(event["audio"])) // 48  # always PCM16 24 kHz
        await self.send({"type": "session.output_audio.fixture.playing"}, eid)

        async def played() -> None:
            await asyncio.sleep(ms / 1000)
            await self.send({"type": "session.output_audio.fixture.played"}, eid)
        self.spawn(played())

    # --- audio ----------------------------------------------------------------------------

    async def append(self, event: dict[str, Any], eid: str | None) -> None:
        audio = event["audio"]
        try:
            raw = base64.b64decode(audio, validate=True)
        except (binascii.Error, ValueError):
            await self.violation(event, "invalid_audio",
                                 "Invalid value for 'audio': expected base64-encoded audio.",
                                 "audio")
            return
        if self.fmt["type"] == "audio/pcm" and len(raw) % 2:
            await self.violation(event, "invalid_audio",
                                 "PCM16 audio must contain an even number of bytes", "audio")
            return
        self.appends += 1
        self.in_bytes += len(raw)
        if self.o.echo:
            await self.send({"type": "session.output_audio.delta", "delta": audio})
        if self.o.transcribe_after is not None and self.appends == self.o.transcribe_after:
            end = self.in_bytes // bytes_per_ms(self.fmt)
            step = max(1, min(200, end // len(INPUT_TRANSCRIPT)))  # ending where input is
            start = end - step * len(INPUT_TRANSCRIPT)
            for i, word in enumerate(INPUT_TRANSCRIPT):
                await self.send({"type": "session.input_transcript.delta", "delta": word,
                                 "start_ms": start + i * step, "end_ms": start + (i + 1) * step})
        if self.o.tool_calls and self.appends == self.o.tool_call_after:
            await self.delegate_tool_calls()
        if (self.o.drop_after is not None and self.appends == self.o.drop_after
                and (self.o.drop_which is None or self.conn in self.o.drop_which)):
            self.record("dropped", mode=self.o.drop_mode)
            if self.o.drop_mode == "abort":
                self.ws.transport.abort()
            else:
                await self.ws.close(1011, "internal server error")

    async def speak(self, ms: int, kind: str, transcript: str) -> None:
        """`ms` of speech as 20 ms deltas, paced in real time unless --burst, with transcript
        fragments on the output timeline (one per word)."""
        async with self._speech:
            fmt = self.fmt
            audio = speech_audio(fmt, ms, kind)
            chunk = CHUNK_MS * bytes_per_ms(fmt)
            chunks = [audio[i:i + chunk] for i in range(0, len(audio), chunk)]
            words = transcript.split(" ")
            word_at = {j * len(chunks) // len(words): j for j in range(len(words))}
            base = max(self.now_ms(), self.out_end_ms)
            self.out_end_ms = base + len(chunks) * CHUNK_MS
            loop = asyncio.get_running_loop()
            t0 = loop.time()
            for k, data in enumerate(chunks):
                if not self.o.burst:
                    await asyncio.sleep(max(0.0, t0 + k * CHUNK_MS / 1000 - loop.time()))
                if k in word_at:
                    j = word_at[k]
                    nxt = next((c for c in sorted(word_at) if c > k), len(chunks))
                    await self.send({"type": "session.output_transcript.delta",
                                     "delta": (" " if j else "") + words[j],
                                     "start_ms": base + k * CHUNK_MS,
                                     "end_ms": base + nxt * CHUNK_MS})
                await self.send({"type": "session.output_audio.delta",
                                 "delta": base64.b64encode(data).decode()})

    # --- context --------------------------------------------------------------------------

    async def context_append(self, event: dict[str, Any], eid: str | None) -> None:
        if event["delegation_id"] is not None and self.delegation_type == "responses":
            await self.violation(event, "invalid_value",
                                 "Non-null delegation_id is not accepted with Responses "
                                 "delegation; send null.", "delegation_id")
            return
        at = max(self.now_ms(), 0)
        kind = event["type"].split(".")[1]  # instructions | thinking | commentary
        await self.send({"type": f"session.{kind}.appended", "start_ms": at, "end_ms": at}, eid)
        if kind == "commentary":
            self.spawn(self.speak(self.o.greeting_ms, "greeting", GREETING_TRANSCRIPT))

    # --- delegation to Responses ----------------------------------------------------------

    def _response(self, response_id: str, status: str, usage: dict[str, Any] | None = None
                  ) -> dict[str, Any]:
        """A lifecycle snapshot (output, tools and instructions cleared, as the service does)."""
        cfg = (self.session or {}).get("delegation", {}).get("responses") or {}
        snap: dict[str, Any] = {
            "id": response_id, "object": "response", "created_at": int(time.time()),
            "status": status, "model": cfg.get("model", "gpt-5.5"), "output": [],
            "instructions": None, "tools": [], "tool_choice": cfg.get("tool_choice", "auto"),
            "parallel_tool_calls": cfg.get("parallel_tool_calls", True),
            "error": None, "incomplete_details": None, "usage": usage,
        }
        return snap

    async def response_event(self, event: dict[str, Any]) -> None:
        assert self.round is not None
        seq = self.round["seq"] = self.round["seq"] + 1
        await self.send({"type": "response.event", "delegation_id": self.round["delegation_id"],
                         "event": {**event, "sequence_number": seq}})

    async def delegate_tool_calls(self) -> None:
        if self.delegation_type != "responses":
            self.record("note", problem="--tool-call needs Responses delegation; no calls made")
            return
        delegation_id, response_id = _new_id("dlg"), _new_id("resp")
        self.round = {"delegation_id": delegation_id, "response_id": response_id, "seq": -1,
                      "outputs": {}, "call_ids": []}
        await self.send({"type": "session.delegation.created", "offset_ms": self.now_ms(),
                         "delegation": {"id": delegation_id, "type": "delegation",
                                        "target": "responses", "response_id": response_id}})
        await self.response_event({"type": "response.created",
                                   "response": self._response(response_id, "in_progress")})
        await self.response_event({"type": "response.in_progress",
                                   "response": self._response(response_id, "in_progress")})
        for index, (name, arguments) in enumerate(self.o.tool_calls):
            call_id, item_id = _new_id("call"), _new_id("fc")
            self.round["outputs"][call_id] = 0
            self.round["call_ids"].append(call_id)
            item = {"type": "function_call", "id": item_id, "call_id": call_id, "name": name,
                    "arguments": "", "status": "in_progress"}
            await self.response_event({"type": "response.output_item.added",
                                       "output_index": index, "item": item})
            await self.response_event({"type": "response.function_call_arguments.delta",
                                       "item_id": item_id, "output_index": index,
                                       "delta": arguments})
            await self.response_event({"type": "response.function_call_arguments.done",
                                       "item_id": item_id, "output_index": index,
                                       "arguments": arguments})  # no `name` in Responses
            await self.response_event({"type": "response.output_item.done", "output_index": index,
                                       "item": {**item, "arguments": arguments,
                                                "status": "completed"}})

    async def _need_responses(self, event: dict[str, Any]) -> bool:
        if self.delegation_type == "responses":
            return True
        await self.violation(event, "invalid_value",
                             f"'{event['type']}' requires Responses delegation "
                             f"(this session's is '{self.delegation_type}').",
                             "session.delegation.type")
        return False

    async def item_create(self, event: dict[str, Any], eid: str | None) -> None:
        if not await self._need_responses(event):
            return
        item = event["item"]
        if item.get("type") != "function_call_output":
            return  # another input item for the backend: accepted, nothing to answer
        self.function_call_outputs += 1
        call_id = item["call_id"]
        if self.round is None or call_id not in self.round["outputs"]:
            await self.violation(event, "invalid_value",
                                 f"No tool call found for function call output with call_id "
                                 f"{call_id}.", "item.call_id")
            return
        self.round["outputs"][call_id] += 1

    async def response_create(self, event: dict[str, Any], eid: str | None) -> None:
        if not await self._need_responses(event):
            return
        self.response_creates += 1
        if self.round is not None:
            missing = [c for c, n in self.round["outputs"].items() if n == 0]
            if missing:
                await self.violation(event, "function_call_outputs_required",
                                     f"Tool outputs are required for call_ids {missing} before "
                                     f"response.create.")
                return
        else:
            response_id = _new_id("resp")
            self.round = {"delegation_id": None, "response_id": response_id, "seq": -1,
                          "outputs": {}, "call_ids": []}
            await self.response_event({"type": "response.created",
                                       "response": self._response(response_id, "in_progress")})
        rnd = self.round
        usage = {"input_tokens": 120, "input_tokens_details": {"cached_tokens": 0,
                                                               "cache_write_tokens": 0},
                 "output_tokens": 18, "output_tokens_details": {"reasoning_tokens": 0},
                 "total_tokens": 138}
        await self.response_event({"type": "response.in_progress",
                                   "response": self._response(rnd["response_id"], "in_progress")})
        await self.response_event({"type": "response.completed",
                                   "response": self._response(rnd["response_id"], "completed",
                                                              usage)})
        self.record("tool_round", delegation_id=rnd["delegation_id"], call_ids=rnd["call_ids"],
                    outputs=rnd["outputs"], response_creates=self.response_creates)
        self.round = None
        self.spawn(self.speak(self.o.answer_ms, "answer", ANSWER_TRANSCRIPT))


class MockLive:
    """The listening service; use `await start()` / `await close()` or the CLI."""

    def __init__(self, options: LiveOptions) -> None:
        self.options = options
        self.recorder = Recorder(options.record, options.timestamps)
        self.port: int | None = None
        self.sessions: dict[int, LiveSession] = {}
        self._server: Server | None = None
        self._handshakes = itertools.count(1)

    def _ssl_context(self) -> ssl.SSLContext | None:
        if self.options.plain:
            return None
        if not (self.options.cert and self.options.key):
            raise ValueError("TLS needs --cert and --key (or pass --plain)")
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.options.cert, self.options.key)
        return ctx

    async def start(self) -> int:
        self._server = await serve(self._handler, self.options.host, self.options.port,
                                   ssl=self._ssl_context(), process_request=self._process_request,
                                   max_size=16 * 2**20, ping_interval=None)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def close(self) -> None:
        if self._server:
            self._server.close()
            await self._server.wait_closed()
        self.recorder.close()

    def _authorized(self, headers: dict[str, str]) -> bool:
        if not self.options.require_headers:
            return True
        for spec in self.options.require_headers:
            name, sep, value = spec.partition("=")
            got = headers.get(name.strip().lower())
            if got is not None and (not sep or got == value):
                return True
        return False

    async def _process_request(self, ws: ServerConnection, request: Request) -> Response | None:
        conn = next(self._handshakes)
        ws.mock_conn = conn  # type: ignore[attr-defined]
        split = urlsplit(request.path)
        headers = {k.lower(): v for k, v in request.headers.raw_items()}
        o = self.options
        refused, body = None, ""
        if split.path not in PATHS:
            refused, body = 404, NOT_FOUND_BODY.replace("{path}", split.path)
        elif o.refuse_status is not None and (o.refuse_which is None or conn in o.refuse_which):
            refused, body = o.refuse_status, o.refuse_body
        elif not self._authorized(headers):
            refused, body = 401, UNAUTHORIZED_BODY
        self.recorder.write({
            "kind": "handshake", "conn": conn, "path": split.path, "query": split.query,
            "params": dict(parse_qsl(split.query, keep_blank_values=True)),
            "headers": headers, "refused": refused,
        })
        if o.delay_accept_ms:
            await asyncio.sleep(o.delay_accept_ms / 1000)
        if refused is None:
            return None
        response = ws.respond(refused, body)
        if body.strip().startswith(("{", "[")):
            del response.headers["Content-Type"]
            response.headers["Content-Type"] = "application/json"
        return response

    async def _handler(self, ws: ServerConnection) -> None:
        conn: int = ws.mock_conn  # type: ignore[attr-defined]
        session = LiveSession(self, conn, ws)
        self.sessions[conn] = session
        try:
            await session.run()
        except ConnectionClosed:
            pass
        finally:
            self.recorder.write({
                "kind": "summary", "conn": conn, "started": session.session is not None,
                "appends": session.appends, "response_creates": session.response_creates,
                "function_call_outputs": session.function_call_outputs,
                "violations": session.violations,
                "session_id": (session.session or {}).get("id")})
            proto = ws.protocol
            by = {True: "client", False: "server"}.get(proto.close_rcvd_then_sent, "none")
            close = proto.close_rcvd or proto.close_sent
            self.recorder.write({"kind": "closed", "conn": conn,
                                 "code": close.code if close else 1006,
                                 "reason": close.reason if close else "", "by": by})


def _numbers(text: str | None) -> set[int] | None:
    return {int(n) for n in text.split(",")} if text else None


def parse_args(argv: list[str] | None = None) -> LiveOptions:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                epilog="Details (events, record format): see the module docstring.")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 = any free port (printed)")
    p.add_argument("--cert", type=Path, help="PEM certificate (chain) for TLS")
    p.add_argument("--key", type=Path, help="PEM private key for TLS")
    p.add_argument("--plain", action="store_true", help="no TLS (ws://)")
    p.add_argument("--record", type=Path, help="append JSON-line records to this file")
    p.add_argument("--timestamps", action="store_true",
                   help="add `t` (time.monotonic()) to every record")
    p.add_argument("--refuse", "--refuse-status", dest="refuse", type=int, metavar="STATUS",
                   help="answer the HTTP upgrade with this status instead of 101")
    p.add_argument("--body", default="", help="body sent with --refuse")
    p.add_argument("--refuse-which", metavar="N[,M…]",
                   help="refuse only these 1-based handshake numbers (default: all)")
    p.add_argument("--require-header", action="append", default=[], metavar="NAME[=VALUE]",
                   help="refuse (401, OpenAI error body) handshakes carrying none of these headers "
                        "(repeatable: any one suffices; e.g. authorization, api-key)")
    p.add_argument("--delay-accept", type=int, default=0, metavar="MS",
                   help="wait this long before answering the upgrade")
    p.add_argument("--refuse-format", action="append", default=[], metavar="TYPE[:RATE]",
                   help="answer a session.start with this audio format (e.g. audio/pcmu, "
                        "audio/pcm:16000) with error invalid_value and don't start; repeatable")
    p.add_argument("--no-echo", action="store_true",
                   help="don't echo session.input_audio.append as output audio")
    p.add_argument("--greeting-ms", type=int, default=400, metavar="MS",
                   help="length of the speech after each session.commentary.append (default 400)")
    p.add_argument("--answer-ms", type=int, default=200, metavar="MS",
                   help="length of the speech after a completed response.create (default 200)")
    p.add_argument("--burst", action="store_true",
                   help="send speech all at once instead of one 20 ms delta every 20 ms")
    p.add_argument("--transcribe-after", type=int, metavar="N",
                   help="after the Nth append, send session.input_transcript.delta fragments")
    p.add_argument("--tool-call", action="append", default=[], metavar="NAME:JSON",
                   help="delegate a call of this function (arguments as JSON text); repeat for "
                        "several calls in one delegated response (Responses delegation only)")
    p.add_argument("--tool-call-after", type=int, default=5, metavar="N",
                   help="make the delegated function calls after the Nth append (default 5)")
    p.add_argument("--usage-every-ms", type=int, metavar="MS",
                   help="send session.usage.updated every MS after session.started")
    p.add_argument("--drop-after", type=int, metavar="N",
                   help="end the connection (see --drop-which) after its Nth append")
    p.add_argument("--drop-mode", choices=["close", "abort"], default="close",
                   help="close: close frame 1011; abort: TCP reset")
    p.add_argument("--drop-which", metavar="N[,M…]",
                   help="drop only these 1-based connection numbers (default: all)")
    p.add_argument("--expire-after-ms", type=int, metavar="MS",
                   help="MS after session.started send session.closed{reason:expired}, close 1000")
    p.add_argument("--expires-in", type=int, default=3600, metavar="S",
                   help="session.started's expires_at = now + S (default 3600)")
    a = p.parse_args(argv)
    tool_calls = []
    for spec in a.tool_call:
        name, sep, arguments = spec.partition(":")
        if not sep or not name:
            p.error(f"--tool-call {spec!r}: expected NAME:JSON")
        try:
            json.loads(arguments)
        except json.JSONDecodeError as exc:
            p.error(f"--tool-call {spec!r}: the arguments are not JSON ({exc})")
        tool_calls.append((name, arguments))
    if not a.plain and not (a.cert and a.key):
        p.error("TLS needs --cert and --key; pass --plain for ws://")
    return LiveOptions(host=a.host, port=a.port, cert=a.cert, key=a.key, plain=a.plain,
                       record=a.record, timestamps=a.timestamps, refuse_status=a.refuse,
                       refuse_body=a.body, refuse_which=_numbers(a.refuse_which),
                       require_headers=tuple(a.require_header), delay_accept_ms=a.delay_accept,
                       refuse_formats=tuple(a.refuse_format), echo=not a.no_echo,
                       greeting_ms=a.greeting_ms, answer_ms=a.answer_ms, burst=a.burst,
                       transcribe_after=a.transcribe_after, tool_calls=tool_calls,
                       tool_call_after=a.tool_call_after, usage_every_ms=a.usage_every_ms,
                       drop_after=a.drop_after, drop_mode=a.drop_mode,
                       drop_which=_numbers(a.drop_which), expire_after_ms=a.expire_after_ms,
                       expires_in=a.expires_in)


async def amain(options: LiveOptions) -> None:
    mock = MockLive(options)
    port = await mock.start()
    print(f"listening port={port} tls={'no' if options.plain else 'yes'}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await mock.close()


if __name__ == "__main__":
    try:
        asyncio.run(amain(parse_args()))
    except (OSError, ssl.SSLError, ValueError) as exc:
        print(f"mock_live: {exc}", file=sys.stderr)
        sys.exit(1)
