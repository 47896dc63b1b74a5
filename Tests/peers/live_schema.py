"""Checks GPT-Live events against the official `openai` Python SDK's models (`openai.types.live`).

The SDK's models are generated from OpenAI's OpenAPI spec, so they are a peer we did not write.
The validating models are the pydantic ones (`openai.types.live.*_event`, `session_config`, …);
the `*_param` TypedDicts validate nothing. `ClientEvent` / `ServerEvent` are
`Annotated[Union[...], PropertyInfo(discriminator="type")]` aliases; pydantic does not read the
SDK's PropertyInfo, so this module picks the member model by `type` itself (as
`realtime_schema.py` does) and, inside nested unions (delegation, tools, audio format, input
items), drops the errors of members whose discriminator (`type`/`role`) did not match, so a
message names the real mistake.

The SDK models accept unknown fields silently (pydantic `extra="allow"`), while the service
rejects them (`unknown_parameter`), so every field a model accepted only as an extra is reported.
A few rules the models cannot express are added (each says where it comes from):
- `delegation_id` of session.{instructions,thinking,commentary}.append is "Required, nullable"
  (SDK docstring) but typed `Optional[str] = None`: a missing key is reported;
- G.711 formats (`audio/pcmu`, `audio/pcma`) take rate 8000 only (SDK docstring; typed `int`);
- startup `input` messages carry exactly one text part (SDK docstring);
- `function_call_output` needs `call_id` (the Responses API requires it; the SDK types it
  Optional because it also models returned items).
Realtime-only client events (response.cancel, conversation.item.*, input_audio_buffer.*, …) are
reported as such.

    problems = check_client_event(event)      # [] when valid; each a Problem(code, param, message)
    problems = check_server_event(event)      # the same for server events (self-tests of the mock)
    problems = check_responses_event(event)   # a nested Responses streaming event (response.event)
"""

from __future__ import annotations

import re
import typing
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ValidationError

# Realtime API client events with no GPT-Live equivalent (GPT-LIVE.md §4 "No equivalents").
REALTIME_ONLY = {
    "response.cancel": "barge-in is model-controlled; there is nothing to cancel",
    "conversation.item.truncate": "the heard position cannot be reported",
    "conversation.item.create": "use session.{instructions,thinking,commentary}.append or "
                                "response.item.create",
    "conversation.item.delete": "there is no client-side conversation to edit",
    "conversation.item.retrieve": "there is no client-side conversation to read",
    "input_audio_buffer.append": "use session.input_audio.append",
    "input_audio_buffer.commit": "input is continuous; there is no buffer to commit",
    "input_audio_buffer.clear": "input is continuous; there is no buffer to clear",
    "output_audio_buffer.clear": "output cannot be cleared",
    "transcription_session.update": "transcripts are always on",
}

# "Required, nullable" fields the SDK types as Optional with a default.
REQUIRED_NULLABLE = {
    "session.instructions.append": ("delegation_id",),
    "session.thinking.append": ("delegation_id",),
    "session.commentary.append": ("delegation_id",),
}

G711 = {"audio/pcmu", "audio/pcma"}
_FIELD = re.compile(r"^[a-z_][a-z0-9_]*$")
_TYPE_TAGS = {"str", "int", "float", "bool", "list", "dict", "none", "bytes"}


@dataclass(frozen=True)
class Problem:
    """One reason the service would reject an event: `code` as the service's error.code
    (unknown_parameter, missing_required_parameter, invalid_value, invalid_type,
    unknown_event), `param` the dotted path (None for the event as a whole)."""

    code: str
    param: str | None
    message: str

    def __str__(self) -> str:
        return f"{self.code} at {self.param or '<event>'}: {self.message}"


def _union_members(alias: Any) -> list[type[BaseModel]]:
    """The BaseModel classes in an `Annotated[Union[...], PropertyInfo(...)]` alias."""
    args = typing.get_args(alias)
    union = args[0] if args and typing.get_origin(alias) is typing.Annotated else alias
    return [m for m in typing.get_args(union) if isinstance(m, type) and issubclass(m, BaseModel)]


def _by_type(alias: Any) -> dict[str, type[BaseModel]]:
    out: dict[str, type[BaseModel]] = {}
    for model in _union_members(alias):
        for literal in typing.get_args(model.model_fields["type"].annotation):
            out[literal] = model
    return out


@lru_cache(maxsize=None)
def client_event_models() -> dict[str, type[BaseModel]]:
    """`type` -> model for every GPT-Live client event (openai.types.live.ClientEvent)."""
    from openai.types.live.client_event import ClientEvent
    return _by_type(ClientEvent)


@lru_cache(maxsize=None)
def server_event_models() -> dict[str, type[BaseModel]]:
    """`type` -> model for every GPT-Live server event (openai.types.live.ServerEvent)."""
    from openai.types.live.server_event import ServerEvent
    return _by_type(ServerEvent)


@lru_cache(maxsize=None)
def responses_event_models() -> dict[str, type[BaseModel]]:
    """`type` -> model for the Responses streaming events nested in `response.event`."""
    from openai.types.responses import ResponseStreamEvent
    return _by_type(ResponseStreamEvent)


def _is_tag(part: Any) -> bool:
    """Whether a pydantic error `loc` element names a union member rather than a field."""
    return isinstance(part, str) and (not _FIELD.match(part) or part in _TYPE_TAGS)


def dotted(loc: tuple[Any, ...] | list[Any]) -> str:
    """('session', 'tools', 0, 'FunctionTool', 'name') -> 'session.tools[0].name'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not _is_tag(part):
            out += f".{part}" if out else str(part)
    return out


def _problems_from(exc: ValidationError, event: dict[str, Any]) -> list[Problem]:
    errors = exc.errors()
    # Members of a union whose discriminator did not match: their other errors are noise.
    wrong_members = {tuple(e["loc"][:-1]) for e in errors
                     if e["type"] == "literal_error" and len(e["loc"]) >= 2
                     and e["loc"][-1] in ("type", "role") and _is_tag(e["loc"][-2])}
    kept = [e for e in errors
            if not any(tuple(e["loc"][:len(p)]) == p for p in wrong_members)]
    if not kept:  # no member matched the discriminator: one error listing the allowed values
        # A union where every member failed on its discriminator: the value itself is wrong.
        def all_wrong(member: tuple[Any, ...]) -> bool:
            point = member[:-1]
            tags = {tuple(e["loc"][:len(member)]) for e in errors
                    if tuple(e["loc"][:len(point)]) == point and len(e["loc"]) > len(point)}
            return tags <= wrong_members
        grouped: dict[str, list[dict[str, Any]]] = {}
        for e in errors:
            member = tuple(e["loc"][:-1])
            if member in wrong_members and e["loc"][-1] in ("type", "role") and all_wrong(member) \
                    and not any(q != member and member[:len(q)] == q for q in wrong_members):
                grouped.setdefault(dotted(e["loc"]), []).append(e)
        problems = []
        for param, errs in grouped.items():
            allowed = ", ".join(str(e.get("ctx", {}).get("expected", "?")) for e in errs)
            problems.append(Problem("invalid_value", param,
                                    f"Invalid value: {errs[0]['input']!r}. Supported values are: "
                                    f"{allowed}."))
        return problems
    by_param: dict[str, list[dict[str, Any]]] = {}
    for e in kept:
        by_param.setdefault(dotted(e["loc"]), []).append(e)
    problems = []
    for param, errs in by_param.items():
        kinds = {e["type"] for e in errs}
        if "missing" in kinds:
            problems.append(Problem("missing_required_parameter", param,
                                    f"Missing required parameter: '{param}'."))
            continue
        code = ("invalid_value" if kinds & {"literal_error", "enum"} or
                all(not t.endswith("_type") for t in kinds) else "invalid_type")
        detail = "; or ".join(dict.fromkeys(e["msg"] for e in errs))
        problems.append(Problem(code, param, f"Invalid {'value' if code == 'invalid_value' else 'type'} "
                                             f"for '{param}' ({errs[0]['input']!r}): {detail}."))
    return problems


def unknown_fields(value: Any, path: tuple[Any, ...] = ()) -> list[str]:
    """Dotted paths of fields a validated model accepted only as extras (not in the spec)."""
    found: list[str] = []
    if isinstance(value, BaseModel):
        for name in (value.model_extra or {}):
            found.append(dotted((*path, name)))
        for name in type(value).model_fields:
            found += unknown_fields(getattr(value, name), (*path, name))
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            found += unknown_fields(item, (*path, i))
    elif isinstance(value, dict):
        for k, item in value.items():
            found += unknown_fields(item, (*path, k))
    return found


def _extra_rules(event: dict[str, Any]) -> list[Problem]:
    """Rules of the SDK docstrings (and of the Responses API) that the typed models don't enforce."""
    kind = event["type"]
    problems = [Problem("missing_required_parameter", name,
                        f"Missing required parameter: '{name}' (required, nullable: send null for "
                        f"general session context).")
                for name in REQUIRED_NULLABLE.get(kind, ()) if name not in event]
    if kind == "session.start":
        session = event.get("session") or {}
        fmt = ((session.get("audio") or {}).get("format") or {})
        if fmt.get("type") in G711 and fmt.get("rate") not in (None, 8000):
            problems.append(Problem("invalid_value", "session.audio.format.rate",
                                    f"Invalid value: {fmt.get('rate')!r}. {fmt['type']} supports "
                                    f"only 8000 Hz."))
        for i, item in enumerate(session.get("input") or []):
            content = item.get("content") if isinstance(item, dict) else None
            if isinstance(content, list) and len(content) != 1:
                problems.append(Problem("invalid_value", f"session.input[{i}].content",
                                        f"Startup messages carry exactly one text part, "
                                        f"not {len(content)}."))
    if kind == "response.item.create":
        item = event.get("item") or {}
        if item.get("type") == "function_call_output" and not item.get("call_id"):
            problems.append(Problem("missing_required_parameter", "item.call_id",
                                    "Missing required parameter: 'item.call_id'."))
    return problems


def _check(event: Any, models: dict[str, type[BaseModel]], what: str) -> list[Problem]:
    if not isinstance(event, dict):
        return [Problem("invalid_type", None, f"An event must be a JSON object, not {type(event).__name__}.")]
    kind = event.get("type")
    if not isinstance(kind, str):
        return [Problem("missing_required_parameter", "type", "Missing required parameter: 'type'.")]
    model = models.get(kind)
    if model is None:
        if what == "client" and kind in REALTIME_ONLY:
            return [Problem("invalid_value", "type",
                            f"Invalid value: '{kind}' is a Realtime API event; GPT-Live has no "
                            f"equivalent ({REALTIME_ONLY[kind]}).")]
        return [Problem("invalid_value", "type",
                        f"Invalid value: '{kind}'. Not a GPT-Live {what} event type.")]
    try:
        parsed = model.model_validate(event)
    except ValidationError as exc:
        return _problems_from(exc, event) + (_extra_rules(event) if what == "client" else [])
    problems = [Problem("unknown_parameter", p, f"Unknown parameter: '{p}'.")
                for p in unknown_fields(parsed)]
    if what == "client":
        problems += _extra_rules(event)
    return problems


def check_client_event(event: Any) -> list[Problem]:
    """Every reason the service would reject this client event ([] when valid)."""
    return _check(event, client_event_models(), "client")


def check_server_event(event: Any) -> list[Problem]:
    """Every way this server event departs from the SDK's models ([] when valid)."""
    return _check(event, server_event_models(), "server")


def check_responses_event(event: Any) -> list[Problem]:
    """The same for a Responses streaming event (the `event` of a `response.event`)."""
    return _check(event, responses_event_models(), "Responses stream")
