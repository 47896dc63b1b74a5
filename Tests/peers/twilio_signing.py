"""X-Twilio-Signature from the official Twilio helper library (twilio-python's RequestValidator).

The e2e tests sign the requests they send to the bridge with the SDK itself, so the bridge's
validator is checked against Twilio's own code, not against a re-implementation.
"""

from __future__ import annotations

from typing import Iterable
from urllib.parse import parse_qs, urlparse

from twilio.request_validator import RequestValidator

# A fake 32-hex Auth Token, distinctive enough to find in a log by substring search.
TOKEN = "f00dfacecafe0123456789abcdef4242"


class FormParams(dict):
    """name -> values; the SDK reads repeated names through getlist() (Django QueryDict style)."""

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, str]]) -> "FormParams":
        params = cls()
        for name, value in pairs:
            params.setdefault(name, []).append(value)
        return params

    def getlist(self, name: str) -> list[str]:
        return list(dict.__getitem__(self, name))


def sign(url: str, params: Iterable[tuple[str, str]] = (), token: str = TOKEN) -> str:
    """The header for a form POST (params) or a GET / WebSocket upgrade (no params) to `url`."""
    return RequestValidator(token).compute_signature(url, FormParams.from_pairs(params))


def sign_json(url: str, body: str, token: str = TOKEN) -> tuple[str, str]:
    """(url with bodySHA256 added, header) for a JSON-bodied request, as Twilio sends them."""
    validator = RequestValidator(token)
    if "bodySHA256" not in parse_qs(urlparse(url).query):
        url += ("&" if "?" in url else "?") + "bodySHA256=" + validator.compute_hash(body)
    return url, validator.compute_signature(url, {})


def sdk_accepts(url: str, signature: str, params: Iterable[tuple[str, str]] = (),
                token: str = TOKEN) -> bool:
    """The SDK's own validate(): what Twilio's libraries would answer for this request."""
    return bool(RequestValidator(token).validate(url, FormParams.from_pairs(params), signature))
