"""Checks Realtime events against the official `openai` Python SDK's models.

The SDK's models are generated from OpenAI's OpenAPI spec, so they are a peer we did not write.
They accept unknown fields silently (pydantic `extra="allow"`), so this module also reports
every field the spec does not define: an unknown field is what real services answer with
`unknown_parameter`.

    problems = check_events(events, dialect="ga", side="client")   # [] when all valid
    beta_unavailable_reason() -> str | None                         # why beta can't be checked
"""

from __future__ import annotations

import importlib
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

_MODULES = {
    ("ga", "client"): ("openai.types.realtime.realtime_client_event", "RealtimeClientEvent"),
    ("ga", "server"): ("openai.types.realtime.realtime_server_event", "RealtimeServerEvent"),
    ("beta", "client"): ("openai.types.beta.realtime.realtime_client_event",
                         "RealtimeClientEvent"),
    ("beta", "server"): ("openai.types.beta.realtime.realtime_server_event",
                         "RealtimeServerEvent"),
}


def _union_members(alias: Any) -> list[type[BaseModel]]:
    """The BaseModel classes in an `Annotated[Union[...], PropertyInfo(...)]` alias."""
    args = typing.get_args(alias)
    union = args[0] if args and typing.get_origin(alias) is typing.Annotated else alias
    return [m for m in typing.get_args(union) if isinstance(m, type) and issubclass(m, BaseModel)]


def event_models(dialect: str, side: str) -> dict[str, type[BaseModel]]:
    """`type` value -> model class, for one dialect ("ga"/"beta") and side ("client"/"server")."""
    module_name, attr = _MODULES[(dialect, side)]
    alias = getattr(importlib.import_module(module_name), attr)
    out: dict[str, type[BaseModel]] = {}
    for model in _union_members(alias):
        for literal in typing.get_args(model.model_fields["type"].annotation):
            out[literal] = model
    return out


def beta_unavailable_reason() -> str | None:
    """None if the installed SDK still ships the beta realtime models, else why not."""
    try:
        event_models("beta", "client")
        event_models("beta", "server")
    except (ImportError, AttributeError) as exc:
        import openai
        return (f"openai {openai.__version__} no longer ships openai.types.beta.realtime "
                f"({exc}); the beta event shapes cannot be checked against the SDK")
    return None


def unknown_fields(value: Any, path: str = "") -> list[str]:
    """Paths of fields a validated model accepted only as extras (not in the spec)."""
    found: list[str] = []
    if isinstance(value, BaseModel):
        for name in (value.model_extra or {}):
            found.append(f"{path}.{name}".lstrip("."))
        for name in type(value).model_fields:
            found += unknown_fields(getattr(value, name), f"{path}.{name}")
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            found += unknown_fields(item, f"{path}[{i}]")
    elif isinstance(value, dict):
        for k, item in value.items():
            found += unknown_fields(item, f"{path}.{k}")
    return found


def check_event(event: dict[str, Any], models: dict[str, type[BaseModel]]) -> list[str]:
    kind = event.get("type")
    model = models.get(kind) if isinstance(kind, str) else None
    if model is None:
        return [f"{kind!r}: not an event type the SDK knows"]
    try:
        parsed = model.model_validate(event)
    except ValidationError as exc:
        return [f"{kind}: {err['loc']}: {err['msg']}" for err in exc.errors()]
    return [f"{kind}: unknown field {p!r}" for p in unknown_fields(parsed)]


def check_events(events: list[dict[str, Any]], dialect: str, side: str) -> list[str]:
    """Every problem found in `events`, each prefixed by the event's index."""
    models = event_models(dialect, side)
    problems = []
    for i, event in enumerate(events):
        problems += [f"#{i} {p}" for p in check_event(event, models)]
    return problems
