#!/usr/bin/env python3
"""A mock of the OpenAI / Azure OpenAI Realtime WebSocket service, built on `websockets`.

It is a peer we did not write: the bridge under test connects to it exactly as it would to
api.openai.com or RESOURCE.openai.azure.com (TLS with a test certificate, or --plain).

Default behaviour ("echo mode"), per connection:
- on connect it sends `session.created`;
- `session.update` -> `session.updated` (the update merged into the session);
- every `input_audio_buffer.append` -> at once one audio delta carrying the same base64 string;
- `response.create` -> a full response whose audio is GREETING_AUDIO, sent as deltas, then
  `response.done`;
- anything malformed or unknown -> an `error` event like the real service sends.

Scripted function calls (`--tool-call NAME:JSON`, repeatable; `--tool-call-after N`): after the
Nth `input_audio_buffer.append` of a connection, the mock sends one response that calls each
function in turn, as the service does (PROTOCOLS.md §2): `response.created`, optionally
`--tool-call-audio-bytes` of assistant audio first (a goodbye before `hang_up`), then per call
`response.output_item.added` (a `function_call` item with `name` and `call_id`),
`response.function_call_arguments.delta`/`.done` (`name` in GA only),
`response.output_item.done`, and finally `response.done`. Echo mode goes on meanwhile. Every
`conversation.item.create` (a `function_call_output` too) is acknowledged as the service does;
the client's `response.create` then gets the usual spoken response.

`--refuse-response-create CODE` answers `response.create` with an `error` of that code whose
`error.event_id` is the client's `event_id`, as the service does (`--refuse-response-create-which`
picks the 1-based `response.create` numbers of each connection; default: all).

Audio deltas use the GA name `response.output_audio.delta`, or the beta name
`response.audio.delta` when the client sent an `OpenAI-Beta` header (Azure preview URLs).

--record FILE writes JSON lines, each with `conn` (1-based handshake number):
  {"kind":"handshake","conn":1,"path":"/v1/realtime","query":"model=…","params":{…},
   "headers":{lower-case name: value},"refused":null|401}
  {"kind":"event","conn":1,"event":{…}}            every client event received (invalid JSON: "raw")
  {"kind":"sent","conn":1,"event":{…}}             every server event the mock sent
  {"kind":"closed","conn":1,"code":1000,"reason":"","by":"client"|"server"}
  {"kind":"dropped","conn":1,"mode":"close"|"abort"|"expire"}   (--drop-after)
With --timestamps every record also carries `t`: time.monotonic() when it was written (one clock
for all local processes on Linux, so tests can line it up with their own timestamps).

Run `mock_provider.py --help` for the options. Prints `listening port=N` on stdout when ready.
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

# 1,600 bytes (200 ms at 8 kHz μ-law) of a fixed, easily recognised pattern; never 0xFF/0x7F
# (μ-law silence) so it can't be mistaken for padding.
GREETING_AUDIO = bytes(0x20 + (i * 7) % 0x50 for i in range(1600))
GREETING_DELTA_BYTES = 400
GREETING_TRANSCRIPT = "Hello, this is the mock provider."


BARGE_IN_SPEECH_MS = 3000
SPEECH_BYTE = 0x2A  # the assistant's speech in the barge-in scenario
LATE_BYTE = 0x3C  # audio of the interrupted response that arrives after speech_started
PCM16_NOISE_BYTE = 0x5A  # what a session still at its PCM16 default "says" (noise on a phone)


@dataclass
class MockOptions:
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
    # 1-based handshake numbers to refuse; None = every handshake (when refuse_status is set).
    refuse_which: set[int] | None = None
    delay_accept_ms: int = 0
    greeting_audio: bytes = GREETING_AUDIO
    greeting_delta_bytes: int = GREETING_DELTA_BYTES
    # Scripted function calls: (name, arguments JSON text), made in one response after
    # `tool_call_after` appends, preceded by `tool_call_audio_bytes` of assistant audio.
    tool_calls: list[tuple[str, str]] = field(default_factory=list)
    tool_call_after: int = 5
    tool_call_audio_bytes: int = 0
    # Barge-in scenario: on the first append, speak BARGE_IN_SPEECH_MS of audio at once, then after
    # this many ms send speech_started followed by late deltas of the same response. None = echo.
    barge_in_after_ms: int | None = None
    # With barge_in_after_ms: the interrupted response keeps running (no response.done) until
    # the client sends response.cancel, as a service may that does not cancel on speech itself.
    barge_in_keep_running: bool = False
    # Answer every conversation.item.truncate with the service's "already shorter" error.
    truncate_error: bool = False
    # Refuse (with refuse_status) only handshakes for these deployments/models; None = any.
    refuse_deployments: set[str] | None = None
    # End sessions this many ms after they open (None = never): "close" (close frame 1011),
    # "abort" (TCP reset, no close frame) or "expire" (error session_expired, then close 1000,
    # as when a session reaches the service's maximum length).
    drop_after_ms: int | None = None
    drop_mode: str = "close"
    # 1-based connection numbers to drop; None = every connection.
    drop_which: set[int] | None = None
    # After the first append of a connection, report a caller transcript "caller words N".
    transcribe: bool = False
    # Answer session.update with an error of this code instead of session.updated.
    session_error: str | None = None
    # The `phase` of the greeting's output item ("commentary": a reasoning model's preamble).
    greeting_phase: str | None = None
    # Refuse a session.update that contains any of these dotted paths (unknown_parameter,
    # param "session.<path>", the client's event_id); the refused update changes nothing.
    refuse_session_fields: tuple[str, ...] = ()
    # Refuse any session.update with a field beyond the minimal one (audio formats, instructions,
    # the turn detection's type), naming the first such field.
    accept_only_minimal: bool = False
    # After this many client events on a connection, stop reading it (a stalled provider).
    stall_after: int | None = None
    # --no-echo: appends are taken silently (a model that listens and says nothing meanwhile).
    no_echo: bool = False
    # Answer response.create with an error of this code (echoing the client's event_id)…
    refuse_response_create: str | None = None
    # …only for these 1-based response.create numbers of each connection; None = every one.
    refuse_response_create_which: set[int] | None = None


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


# Objects the service replaces whole on session.update instead of merging field by field.
_REPLACED_WHOLE = {"format", "turn_detection", "transcription", "noise_reduction"}


def _leaf_paths(value: Any, prefix: str = "") -> Any:
    """The dotted paths of `value`'s leaves (lists and scalars are leaves)."""
    if isinstance(value, dict) and value:
        for key, child in value.items():
            yield from _leaf_paths(child, f"{prefix}.{key}" if prefix else key)
    elif prefix:
        yield prefix


def _deep_merge(base: dict[str, Any], update: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for k, v in update.items():
        if isinstance(v, dict) and isinstance(merged.get(k), dict) and k not in _REPLACED_WHOLE:
            merged[k] = _deep_merge(merged[k], v)
        else:
            merged[k] = copy.deepcopy(v)
    return merged


def initial_session(beta: bool, model: str) -> dict[str, Any]:
    """The session object the real service reports in `session.created` (defaults, abridged)."""
    if beta:
        return {
            "id": _new_id("sess"),
            "model": model,
            "modalities": ["text", "audio"],
            "instructions": "",
            "voice": "alloy",
            "input_audio_format": "pcm16",
            "output_audio_format": "pcm16",
            "input_audio_transcription": None,
            "turn_detection": {"type": "server_vad", "threshold": 0.5, "prefix_padding_ms": 300,
                               "silence_duration_ms": 200, "create_response": True,
                               "interrupt_response": True},
            "tools": [],
            "tool_choice": "auto",
            "temperature": 0.8,
            "max_response_output_tokens": "inf",
        }
    return {
        "type": "realtime",
        "model": model,
        "output_modalities": ["audio"],
        "instructions": "",
        "tools": [],
        "tool_choice": "auto",
        "max_output_tokens": "inf",
        "tracing": None,
        "prompt": None,
        "audio": {
            "input": {"format": {"type": "audio/pcm", "rate": 24000}, "transcription": None,
                      "noise_reduction": None,
                      "turn_detection": {"type": "server_vad", "threshold": 0.5,
                                         "prefix_padding_ms": 300, "silence_duration_ms": 200,
                                         "idle_timeout_ms": None, "create_response": True,
                                         "interrupt_response": True}},
            "output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "alloy",
                       "speed": 1.0},
        },
        "include": None,
    }


class MockSession:
    """One provider-side WebSocket session: speaks the Realtime protocol in echo mode."""

    def __init__(self, provider: MockProvider, conn: int, ws: ServerConnection, beta: bool,
                 model: str) -> None:
        self.provider = provider
        self.conn = conn
        self.ws = ws
        self.beta = beta
        self.session = initial_session(beta, model)
        self._event_ids = itertools.count(1)
        self._echo_response: tuple[str, str] | None = None  # (response_id, item_id)
        self._appends = 0
        self._barge_in_started = False
        self._transcribed = False
        self.session_refusals = 0
        self._running_response: tuple[str, str] | None = None
        self._response_creates = 0

    @property
    def delta_type(self) -> str:
        return "response.audio.delta" if self.beta else "response.output_audio.delta"

    @property
    def audio_done_type(self) -> str:
        return "response.audio.done" if self.beta else "response.output_audio.done"

    async def send(self, event: dict[str, Any]) -> None:
        event = {"event_id": f"event_{self.conn}_{next(self._event_ids)}", **event}
        self.provider.recorder.write({"kind": "sent", "conn": self.conn, "event": event})
        await self.ws.send(json.dumps(event))

    async def run(self) -> None:
        await self.send({"type": "session.created", "session": self.session})
        o = self.provider.options
        if o.drop_after_ms is not None and (o.drop_which is None or self.conn in o.drop_which):
            asyncio.get_running_loop().create_task(self.drop(o.drop_after_ms / 1000, o.drop_mode))
        received = 0
        async for message in self.ws:
            received += 1
            if self.provider.options.stall_after is not None and received > self.provider.options.stall_after:
                # Read nothing more: once websockets' queue is full, TCP pushes back on the client.
                self.provider.recorder.write({"kind": "stalled", "conn": self.conn})
                await self.ws.wait_closed()
                return
            if isinstance(message, bytes):
                self.provider.recorder.write({"kind": "event", "conn": self.conn,
                                              "binary": base64.b64encode(message).decode()})
                await self.error("invalid_request_error", "binary_frame",
                                 "Binary frames are not supported; send JSON text.")
                continue
            try:
                event = json.loads(message)
            except json.JSONDecodeError as exc:
                self.provider.recorder.write({"kind": "event", "conn": self.conn, "raw": message})
                await self.error("invalid_request_error", "invalid_json", f"Invalid JSON: {exc}")
                continue
            self.provider.recorder.write({"kind": "event", "conn": self.conn, "event": event})
            await self.dispatch(event)

    async def drop(self, after: float, mode: str) -> None:
        await asyncio.sleep(after)
        self.provider.recorder.write({"kind": "dropped", "conn": self.conn, "mode": mode})
        if mode == "abort":
            self.ws.transport.abort()
        elif mode == "expire":
            await self.error("invalid_request_error", "session_expired",
                             "Your session hit the maximum duration of 60 minutes.")
            await self.ws.close(1000, "session expired")
        else:
            await self.ws.close(1011, "internal server error")

    def _refused_field(self, update: dict[str, Any]) -> str | None:
        """The first field of `update` this mock refuses (--refuse-session-field,
        --accept-only-minimal), or None."""
        paths = list(_leaf_paths(update))
        for path in paths:
            for refused in self.provider.options.refuse_session_fields:
                if path == refused or path.startswith(refused + "."):
                    return refused
        if self.provider.options.accept_only_minimal:
            allowed = ({"instructions", "input_audio_format", "output_audio_format", "turn_detection.type"}
                       if self.beta else
                       {"type", "instructions", "audio.input.turn_detection.type"})
            for path in paths:
                if path in allowed or (not self.beta and path.startswith(("audio.input.format", "audio.output.format"))):
                    continue
                return path
        return None

    def speaks_ulaw(self) -> bool:
        """Whether the session's output is μ-law: until a session.update sets it, a real
        service speaks PCM16 (which a phone plays as noise)."""
        if self.beta:
            return self.session.get("output_audio_format") == "g711_ulaw"
        fmt = (self.session.get("audio", {}).get("output", {}) or {}).get("format") or {}
        return isinstance(fmt, dict) and fmt.get("type") == "audio/pcmu"

    async def error(self, type_: str, code: str, message: str, param: str | None = None,
                    event_id: str | None = None) -> None:
        await self.send({"type": "error", "error": {"type": type_, "code": code,
                                                    "message": message, "param": param,
                                                    "event_id": event_id}})

    async def dispatch(self, event: Any) -> None:
        if not isinstance(event, dict) or not isinstance(event.get("type"), str):
            await self.error("invalid_request_error", "missing_required_parameter",
                             "Missing required parameter: 'type'.", "type")
            return
        kind, client_event_id = event["type"], event.get("event_id")
        if kind == "session.update" and self.provider.options.session_error:
            await self.error("invalid_request_error", self.provider.options.session_error,
                             f"Mock refusal of session.update: {self.provider.options.session_error}",
                             "session", client_event_id)
        elif kind == "session.update":
            update = event.get("session")
            if not isinstance(update, dict):
                await self.error("invalid_request_error", "missing_required_parameter",
                                 "Missing required parameter: 'session'.", "session",
                                 client_event_id)
                return
            refused = self._refused_field(update)
            if refused is not None:
                self.session_refusals += 1
                await self.error("invalid_request_error", "unknown_parameter",
                                 f"Unknown parameter: 'session.{refused}'.", f"session.{refused}",
                                 client_event_id)
                return
            self.session = _deep_merge(self.session, update)
            await self.send({"type": "session.updated", "session": self.session})
        elif kind == "input_audio_buffer.append":
            audio = event.get("audio")
            try:
                base64.b64decode(audio, validate=True)
            except (binascii.Error, TypeError, ValueError):
                await self.error("invalid_request_error", "invalid_value",
                                 "Invalid value for 'audio': expected base64-encoded audio.",
                                 "audio", client_event_id)
                return
            if self.provider.options.transcribe and not self._transcribed:
                self._transcribed = True
                await self.send({"type": "conversation.item.input_audio_transcription.completed",
                                 "item_id": _new_id("item"), "content_index": 0,
                                 "transcript": f"caller words {self.conn}"})
            if self.provider.options.no_echo:
                pass
            elif self.provider.options.barge_in_after_ms is None:
                await self.echo(audio)
            elif not self._barge_in_started:
                self._barge_in_started = True
                asyncio.get_running_loop().create_task(self.barge_in(self.provider.options.barge_in_after_ms))
            self._appends += 1
            options = self.provider.options
            if options.tool_calls and self._appends == options.tool_call_after:
                await self.call_functions(options.tool_calls, options.tool_call_audio_bytes)
        elif kind == "response.create":
            self._response_creates += 1
            o = self.provider.options
            if o.refuse_response_create and (o.refuse_response_create_which is None
                                             or self._response_creates in o.refuse_response_create_which):
                await self.error("server_error", o.refuse_response_create,
                                 f"Mock refusal of response.create: {o.refuse_response_create}",
                                 None, client_event_id)
                return
            await self.respond(o.greeting_audio)
        elif kind == "conversation.item.truncate" and self.provider.options.truncate_error:
            await self.error("invalid_request_error", "invalid_value",
                             "Audio content of 2650ms is already shorter than 9100ms",
                             "audio_end_ms", client_event_id)
        elif kind == "conversation.item.create":
            await self.item_created(event.get("item"), client_event_id)
        elif kind == "response.cancel" and self._running_response is not None:
            response_id, item_id = self._running_response
            self._running_response = None
            await self._end_cancelled(response_id, item_id)
        elif kind in ("input_audio_buffer.commit", "input_audio_buffer.clear",
                      "response.cancel",
                      "conversation.item.truncate", "conversation.item.delete",
                      "output_audio_buffer.clear"):
            pass  # accepted silently: echo mode has nothing to cancel or store
        else:
            await self.error("invalid_request_error", "invalid_value",
                             f"Invalid value: '{kind}'. Supported values are client events.",
                             "type", client_event_id)

    def _item(self, item_id: str, status: str, content: list[dict[str, Any]]) -> dict[str, Any]:
        return {"id": item_id, "object": "realtime.item", "type": "message", "role": "assistant",
                "status": status, "content": content}

    def _response(self, response_id: str, status: str, output: list[dict[str, Any]]
                  ) -> dict[str, Any]:
        resp: dict[str, Any] = {"object": "realtime.response", "id": response_id,
                                "status": status, "status_details": None, "output": output,
                                "conversation_id": "conv_mock", "usage": None}
        if status == "completed":
            resp["usage"] = {"total_tokens": 30, "input_tokens": 10, "output_tokens": 20,
                             "input_token_details": {"text_tokens": 10, "audio_tokens": 0,
                                                     "cached_tokens": 0},
                             "output_token_details": {"text_tokens": 5, "audio_tokens": 15}}
        return resp

    async def _open_response(self, phase: str | None = None) -> tuple[str, str]:
        response_id, item_id = _new_id("resp"), _new_id("item")
        await self.send({"type": "response.created",
                         "response": self._response(response_id, "in_progress", [])})
        item = self._item(item_id, "in_progress", [])
        if phase:
            item["phase"] = phase
        await self.send({"type": "response.output_item.added", "response_id": response_id,
                         "output_index": 0, "item": item})
        await self.send({"type": "response.content_part.added", "response_id": response_id,
                         "item_id": item_id, "output_index": 0, "content_index": 0,
                         "part": {"type": "audio", "transcript": ""}})
        return response_id, item_id

    async def _delta(self, response_id: str, item_id: str, b64: str) -> None:
        if not self.speaks_ulaw():
            # What a session left at its PCM16 default produces: bytes a phone plays as noise.
            b64 = base64.b64encode(bytes([PCM16_NOISE_BYTE]) * len(base64.b64decode(b64))).decode()
        await self.send({"type": self.delta_type, "response_id": response_id, "item_id": item_id,
                         "output_index": 0, "content_index": 0, "delta": b64})

    async def echo(self, b64: str) -> None:
        if self._echo_response is None:
            self._echo_response = await self._open_response()
        await self._delta(*self._echo_response, b64)

    async def item_created(self, item: Any, client_event_id: str | None) -> None:
        """Acknowledges `conversation.item.create` the way each dialect does."""
        if not isinstance(item, dict) or not isinstance(item.get("type"), str):
            await self.error("invalid_request_error", "missing_required_parameter",
                             "Missing required parameter: 'item.type'.", "item.type",
                             client_event_id)
            return
        if item["type"] == "function_call_output" and not (
                isinstance(item.get("call_id"), str) and isinstance(item.get("output"), str)):
            await self.error("invalid_request_error", "missing_required_parameter",
                             "function_call_output needs 'call_id' and 'output' strings.",
                             "item", client_event_id)
            return
        stored = {"id": _new_id("item"), "object": "realtime.item", "status": "completed", **item}
        if self.beta:
            await self.send({"type": "conversation.item.created", "previous_item_id": None,
                             "item": stored})
        else:
            await self.send({"type": "conversation.item.added", "previous_item_id": None,
                             "item": stored})
            await self.send({"type": "conversation.item.done", "previous_item_id": None,
                             "item": stored})

    async def call_functions(self, calls: list[tuple[str, str]], audio_bytes: int) -> None:
        """One response that (optionally says something, then) calls each function in turn."""
        response_id = _new_id("resp")
        await self.send({"type": "response.created",
                         "response": self._response(response_id, "in_progress", [])})
        output: list[dict[str, Any]] = []
        index = 0
        if audio_bytes > 0:
            item_id = _new_id("item")
            await self.send({"type": "response.output_item.added", "response_id": response_id,
                             "output_index": index, "item": self._item(item_id, "in_progress", [])})
            audio = bytes(GREETING_AUDIO[i % len(GREETING_AUDIO)] for i in range(audio_bytes))
            step = max(1, self.provider.options.greeting_delta_bytes)
            for i in range(0, len(audio), step):
                await self._delta(response_id, item_id,
                                  base64.b64encode(audio[i:i + step]).decode())
            await self.send({"type": self.audio_done_type, "response_id": response_id,
                             "item_id": item_id, "output_index": index, "content_index": 0})
            content = {"type": "audio" if self.beta else "output_audio", "transcript": "Goodbye!"}
            item = self._item(item_id, "completed", [content])
            await self.send({"type": "response.output_item.done", "response_id": response_id,
                             "output_index": index, "item": item})
            output.append(item)
            index += 1
        for name, arguments in calls:
            item_id, call_id = _new_id("item"), _new_id("call")
            item = {"id": item_id, "object": "realtime.item", "type": "function_call",
                    "status": "in_progress", "name": name, "call_id": call_id, "arguments": ""}
            ids = {"response_id": response_id, "item_id": item_id, "output_index": index,
                   "call_id": call_id}
            await self.send({"type": "response.output_item.added", "response_id": response_id,
                             "output_index": index, "item": item})
            await self.send({"type": "response.function_call_arguments.delta", **ids,
                             "delta": arguments})
            # Beta leaves `name` off this event (clients join it on item_id); the GA models of
            # the official SDK carry it.
            named = {} if self.beta else {"name": name}
            await self.send({"type": "response.function_call_arguments.done", **ids, **named,
                             "arguments": arguments})
            done = {**item, "status": "completed", "arguments": arguments}
            await self.send({"type": "response.output_item.done", "response_id": response_id,
                             "output_index": index, "item": done})
            output.append(done)
            index += 1
        await self.send({"type": "response.done",
                         "response": self._response(response_id, "completed", output)})

    async def barge_in(self, after_ms: int) -> None:
        """Speaks 3 s at once (30 deltas of 100 ms, pattern SPEECH_BYTE); after `after_ms` the
        caller "starts talking"; then 5 late deltas (pattern LATE_BYTE) of the same response arrive,
        as they can from a real service, before the response ends as cancelled."""
        response_id, item_id = await self._open_response()
        for _ in range(BARGE_IN_SPEECH_MS // 100):
            await self._delta(response_id, item_id, base64.b64encode(bytes([SPEECH_BYTE]) * 800).decode())
        await asyncio.sleep(after_ms / 1000)
        await self.send({"type": "input_audio_buffer.speech_started", "audio_start_ms": 4000,
                         "item_id": _new_id("item")})
        for _ in range(5):
            await self._delta(response_id, item_id, base64.b64encode(bytes([LATE_BYTE]) * 800).decode())
        if self.provider.options.barge_in_keep_running:
            self._running_response = (response_id, item_id)  # ended by the client's response.cancel
            return
        await self._end_cancelled(response_id, item_id)

    async def _end_cancelled(self, response_id: str, item_id: str) -> None:
        ids = {"response_id": response_id, "item_id": item_id, "output_index": 0, "content_index": 0}
        await self.send({"type": self.audio_done_type, **ids})
        await self.send({"type": "response.done", "response": self._response(response_id, "cancelled", [])})

    async def respond(self, audio: bytes) -> None:
        response_id, item_id = await self._open_response(phase=self.provider.options.greeting_phase)
        step = max(1, self.provider.options.greeting_delta_bytes)
        for i in range(0, len(audio), step):
            await self._delta(response_id, item_id, base64.b64encode(audio[i:i + step]).decode())
        part = {"type": "audio", "transcript": GREETING_TRANSCRIPT}
        ids = {"response_id": response_id, "item_id": item_id, "output_index": 0,
               "content_index": 0}
        await self.send({"type": self.audio_done_type, **ids})
        transcript_done = ("response.audio_transcript.done" if self.beta
                           else "response.output_audio_transcript.done")
        await self.send({"type": transcript_done, **ids, "transcript": GREETING_TRANSCRIPT})
        await self.send({"type": "response.content_part.done", **ids, "part": part})
        # Items name the content "output_audio" in GA, "audio" in beta; content parts say "audio".
        content = {"type": "audio" if self.beta else "output_audio",
                   "transcript": GREETING_TRANSCRIPT}
        item = self._item(item_id, "completed", [content])
        await self.send({"type": "response.output_item.done", "response_id": response_id,
                         "output_index": 0, "item": item})
        await self.send({"type": "response.done",
                         "response": self._response(response_id, "completed", [item])})


class MockProvider:
    """The listening service; use `await start()` / `await close()` or the CLI."""

    def __init__(self, options: MockOptions) -> None:
        self.options = options
        self.recorder = Recorder(options.record, options.timestamps)
        self.port: int | None = None
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

    def _refuses(self, conn: int, deployment: str | None) -> bool:
        o = self.options
        return (o.refuse_status is not None and (o.refuse_which is None or conn in o.refuse_which)
                and (o.refuse_deployments is None or deployment in o.refuse_deployments))

    async def _process_request(self, ws: ServerConnection, request: Request) -> Response | None:
        conn = next(self._handshakes)
        ws.mock_conn = conn  # type: ignore[attr-defined]
        split = urlsplit(request.path)
        params = dict(parse_qsl(split.query, keep_blank_values=True))
        deployment = params.get("deployment") or params.get("model")
        refused = self.options.refuse_status if self._refuses(conn, deployment) else None
        self.recorder.write({
            "kind": "handshake", "conn": conn, "path": split.path, "query": split.query,
            "params": dict(parse_qsl(split.query, keep_blank_values=True)),
            "headers": {k.lower(): v for k, v in request.headers.raw_items()},
            "refused": refused,
        })
        if self.options.delay_accept_ms:
            await asyncio.sleep(self.options.delay_accept_ms / 1000)
        if refused is None:
            return None
        response = ws.respond(refused, self.options.refuse_body)
        body = self.options.refuse_body.strip()
        if body.startswith(("{", "[")):
            del response.headers["Content-Type"]
            response.headers["Content-Type"] = "application/json"
        return response

    async def _handler(self, ws: ServerConnection) -> None:
        conn: int = ws.mock_conn  # type: ignore[attr-defined]
        headers = {k.lower(): v for k, v in ws.request.headers.raw_items()}
        params = dict(parse_qsl(urlsplit(ws.request.path).query))
        # Azure reports the model behind a deployment, never the deployment's own name.
        model = ("gpt-4o-realtime-preview-2024-12-17" if "deployment" in params
                 else params.get("model") or "gpt-realtime")
        session = MockSession(self, conn, ws, "openai-beta" in headers, model)
        try:
            await session.run()
        except ConnectionClosed:
            pass
        finally:
            proto = ws.protocol
            # close_rcvd_then_sent: True when the client started the closing handshake.
            by = {True: "client", False: "server"}.get(proto.close_rcvd_then_sent, "none")
            close = proto.close_rcvd or proto.close_sent
            self.recorder.write({"kind": "closed", "conn": conn,
                                 "code": close.code if close else 1006,
                                 "reason": close.reason if close else "", "by": by})


def parse_args(argv: list[str] | None = None) -> MockOptions:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 = any free port (printed)")
    p.add_argument("--cert", type=Path, help="PEM certificate (chain) for TLS")
    p.add_argument("--key", type=Path, help="PEM private key for TLS")
    p.add_argument("--plain", action="store_true", help="no TLS (ws://)")
    p.add_argument("--record", type=Path, help="append JSON-line records to this file")
    p.add_argument("--timestamps", action="store_true",
                   help="add `t` (time.monotonic()) to every record")
    p.add_argument("--refuse", type=int, metavar="STATUS",
                   help="answer the HTTP upgrade with this status instead of 101")
    p.add_argument("--body", default="", help="body sent with --refuse")
    p.add_argument("--refuse-which", metavar="N[,M…]",
                   help="refuse only these 1-based handshake numbers (default: all)")
    p.add_argument("--delay-accept", type=int, default=0, metavar="MS",
                   help="wait this long before answering the upgrade")
    p.add_argument("--barge-in-after", type=int, metavar="MS",
                   help="barge-in scenario: speak 3 s at once on the first append, then after MS "
                        "send speech_started and 5 late deltas of the same response")
    p.add_argument("--barge-in-keep-running", action="store_true",
                   help="with --barge-in-after: the interrupted response runs until response.cancel")
    p.add_argument("--truncate-error", action="store_true",
                   help="answer conversation.item.truncate with the 'already shorter' error")
    p.add_argument("--refuse-deployment", action="append", metavar="NAME",
                   help="with --refuse: refuse only handshakes for this deployment/model (repeatable)")
    p.add_argument("--drop-after", type=int, metavar="MS",
                   help="end each session (see --drop-which) MS after it opens")
    p.add_argument("--drop-mode", choices=["close", "abort", "expire"], default="close",
                   help="close: close frame 1011; abort: TCP reset; expire: error session_expired, "
                        "then close 1000")
    p.add_argument("--drop-which", metavar="N[,M…]",
                   help="drop only these 1-based connection numbers (default: all)")
    p.add_argument("--refuse-session-field", action="append", default=[], metavar="PATH",
                   help="refuse a session.update containing this dotted path (unknown_parameter)")
    p.add_argument("--accept-only-minimal", action="store_true",
                   help="refuse session.update fields beyond the audio formats, instructions and turn detection type")
    p.add_argument("--greeting-phase", metavar="PHASE",
                   help="give the greeting's output item this phase (commentary: a preamble)")
    p.add_argument("--transcribe", action="store_true",
                   help="after each connection's first append, send a caller transcript "
                        "'caller words N'")
    p.add_argument("--session-error", metavar="CODE",
                   help="answer session.update with an error event of this code")
    p.add_argument("--greeting-bytes", type=int, default=len(GREETING_AUDIO),
                   help="length of the response.create audio (pattern of GREETING_AUDIO)")
    p.add_argument("--no-echo", action="store_true",
                   help="take appends silently instead of echoing each as an audio delta")
    p.add_argument("--tool-call", action="append", default=[], metavar="NAME:JSON",
                   help="call this function (arguments as JSON text) in the scripted response; "
                        "repeat for several calls in one response")
    p.add_argument("--tool-call-after", type=int, default=5, metavar="N",
                   help="make the scripted function calls after the Nth audio append")
    p.add_argument("--tool-call-audio-bytes", type=int, default=0, metavar="N",
                   help="assistant audio sent in that response before the calls")
    p.add_argument("--stall-after", type=int, metavar="N",
                   help="after N client events on a connection, stop reading it")
    p.add_argument("--refuse-response-create", metavar="CODE",
                   help="answer response.create with an error event of this code (its "
                        "error.event_id is the client's event_id)")
    p.add_argument("--refuse-response-create-which", metavar="N[,M…]",
                   help="refuse only these 1-based response.create numbers of each connection "
                        "(default: all)")
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
    greeting = bytes(GREETING_AUDIO[i % len(GREETING_AUDIO)] for i in range(a.greeting_bytes))
    return MockOptions(host=a.host, port=a.port, cert=a.cert, key=a.key, plain=a.plain,
                       record=a.record, timestamps=a.timestamps,
                       refuse_status=a.refuse, refuse_body=a.body,
                       refuse_which=({int(n) for n in a.refuse_which.split(",")}
                                     if a.refuse_which else None),
                       delay_accept_ms=a.delay_accept, greeting_audio=greeting,
                       tool_calls=tool_calls, tool_call_after=a.tool_call_after,
                       tool_call_audio_bytes=a.tool_call_audio_bytes,
                       barge_in_after_ms=a.barge_in_after, truncate_error=a.truncate_error,
                       barge_in_keep_running=a.barge_in_keep_running,
                       refuse_deployments=set(a.refuse_deployment) if a.refuse_deployment else None,
                       drop_after_ms=a.drop_after, drop_mode=a.drop_mode,
                       drop_which=({int(n) for n in a.drop_which.split(",")}
                                   if a.drop_which else None),
                       transcribe=a.transcribe, session_error=a.session_error,
                       greeting_phase=a.greeting_phase,
                       refuse_session_fields=tuple(a.refuse_session_field),
                       accept_only_minimal=a.accept_only_minimal,
                       stall_after=a.stall_after, no_echo=a.no_echo,
                       refuse_response_create=a.refuse_response_create,
                       refuse_response_create_which=(
                           {int(n) for n in a.refuse_response_create_which.split(",")}
                           if a.refuse_response_create_which else None))


async def amain(options: MockOptions) -> None:
    provider = MockProvider(options)
    port = await provider.start()
    print(f"listening port={port} tls={'no' if options.plain else 'yes'}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await provider.close()


if __name__ == "__main__":
    try:
        asyncio.run(amain(parse_args()))
    except (OSError, ssl.SSLError, ValueError) as exc:
        print(f"mock_provider: {exc}", file=sys.stderr)
        sys.exit(1)
