"""HTTP side: the TwiML webhook, /healthz, 404s, and where PUBLIC_URL comes from."""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from typing import Callable

from harness import BridgeProcess

PUBLIC = {"PUBLIC_URL": "https://example.ngrok.app"}
CALL_SID = "CA0123456789abcdef0123456789abcdef"


def http(method: str, url: str, form: dict[str, str] | None = None
         ) -> tuple[int, str, str]:
    """(status, content type, body) — error statuses are returned, not raised."""
    data = urllib.parse.urlencode(form).encode() if form is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, resp.headers.get("Content-Type", ""), resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("Content-Type", ""), err.read().decode()


def stream_of(twiml: str) -> tuple[str, dict[str, str]]:
    """The <Stream url> and its <Parameter>s, after checking the document's structure."""
    root = ET.fromstring(twiml)
    assert root.tag == "Response", twiml
    connect = root.find("Connect")
    assert connect is not None, twiml
    stream = connect.find("Stream")
    assert stream is not None, twiml
    params = {p.get("name", ""): p.get("value", "") for p in stream.findall("Parameter")}
    return stream.get("url", ""), params


def test_incoming_call_post_form_gives_stream_twiml(
        start_bridge: Callable[..., BridgeProcess]) -> None:
    bridge = start_bridge(PUBLIC)
    status, ctype, body = http("POST", f"{bridge.http_url}/incoming-call",
                               {"From": "+15551234567", "CallSid": CALL_SID, "To": "+15550000"})
    assert status == 200, body
    assert ctype.split(";")[0].strip() == "text/xml"
    url, params = stream_of(body)
    assert url == "wss://example.ngrok.app/media-stream"
    assert urllib.parse.urlsplit(url).query == ""  # Twilio: <Stream url> can't carry a query
    assert params["From"] == "+15551234567"
    assert params["CallSid"] == CALL_SID


def test_incoming_call_get_query_gives_stream_twiml(
        start_bridge: Callable[..., BridgeProcess]) -> None:
    bridge = start_bridge(PUBLIC)
    query = urllib.parse.urlencode({"From": "+15559876543", "CallSid": CALL_SID})
    status, ctype, body = http("GET", f"{bridge.http_url}/incoming-call?{query}")
    assert status == 200, body
    assert ctype.split(";")[0].strip() == "text/xml"
    url, params = stream_of(body)
    assert url == "wss://example.ngrok.app/media-stream"
    assert params["From"] == "+15559876543" and params["CallSid"] == CALL_SID


def test_parameter_values_are_xml_escaped(start_bridge: Callable[..., BridgeProcess]) -> None:
    bridge = start_bridge(PUBLIC)
    tricky = 'Bob & "Alice" <sip:a@b>'
    status, _, body = http("POST", f"{bridge.http_url}/incoming-call",
                           {"From": tricky, "CallSid": CALL_SID})
    assert status == 200, body
    _, params = stream_of(body)  # ET.fromstring fails on unescaped markup
    assert params["From"] == tricky


def test_healthz_ok_and_unknown_path_404(start_bridge: Callable[..., BridgeProcess]) -> None:
    bridge = start_bridge(PUBLIC)
    assert http("GET", f"{bridge.http_url}/healthz")[0] == 200
    assert http("GET", f"{bridge.http_url}/nope")[0] == 404
    assert bridge.alive()


def test_public_url_from_dotenv_in_working_directory(
        start_bridge: Callable[..., BridgeProcess]) -> None:
    bridge = start_bridge({}, dotenv="PUBLIC_URL=https://from-dotenv.example\n")
    _, _, body = http("POST", f"{bridge.http_url}/incoming-call", {"CallSid": CALL_SID})
    assert stream_of(body)[0] == "wss://from-dotenv.example/media-stream"


def test_process_env_wins_over_dotenv(start_bridge: Callable[..., BridgeProcess]) -> None:
    bridge = start_bridge(PUBLIC, dotenv="PUBLIC_URL=https://from-dotenv.example\n")
    _, _, body = http("POST", f"{bridge.http_url}/incoming-call", {"CallSid": CALL_SID})
    assert stream_of(body)[0] == "wss://example.ngrok.app/media-stream"
