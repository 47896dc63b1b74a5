"""Azure OpenAI: the GA URL (both endpoint spellings) and the preview (beta) dialect."""

from __future__ import annotations

from typing import Callable

import pytest
from harness import (
    AZURE_KEY,
    BridgeProcess,
    MockProcess,
    azure_env,
    caller_audio,
    echo_call,
    first_append,
    first_difference,
    run,
)

from peers.certs import TestPKI
from peers.mock_provider import GREETING_AUDIO
from peers.realtime_schema import beta_unavailable_reason, check_events

DEPLOYMENT = "gpt-realtime-dep"
PREVIEW = "2025-04-01-preview"


@pytest.mark.parametrize("endpoint", ["https://localhost:{port}", "localhost:{port}",
                                      "https://localhost:{port}/"],
                         ids=["https-url", "bare-host-port", "trailing-slash"])
def test_azure_ga_url_headers_and_audio(endpoint: str,
                                        start_bridge: Callable[..., BridgeProcess],
                                        start_mock: Callable[..., MockProcess],
                                        pki: TestPKI) -> None:
    mock = start_mock()
    bridge = start_bridge(azure_env(mock, pki, endpoint=endpoint.format(port=mock.port)))
    assert bridge.wait_for_log(r"\bprovider=azure\b", 1), "no provider=azure log line"
    audio = caller_audio(seed=11, frames=12)
    expected = GREETING_AUDIO + audio
    call = run(echo_call(bridge.ws_url, audio, expected))
    assert call.audio == expected, first_difference(call.audio, expected)
    assert call.violations == []

    (hs,) = mock.handshakes()
    assert hs["path"] == "/openai/v1/realtime"
    assert hs["params"] == {"model": DEPLOYMENT}  # GA: no api-version (it gives 401)
    assert hs["headers"].get("api-key") == AZURE_KEY
    assert "authorization" not in hs["headers"]
    assert "openai-beta" not in hs["headers"]

    events = mock.client_events(1)
    session = events[0]["session"]
    assert events[0]["type"] == "session.update" and session["type"] == "realtime"
    assert session["audio"]["input"]["format"]["type"] == "audio/pcmu"
    assert session["audio"]["output"]["format"]["type"] == "audio/pcmu"
    assert check_events(events, "ga", "client") == []
    assert [e["audio"] for e in events if e["type"] == "input_audio_buffer.append"] \
        == call.sent_payloads
    assert mock.wait_closed(1, 2.0) is not None


def test_azure_preview_speaks_beta(start_bridge: Callable[..., BridgeProcess],
                                   start_mock: Callable[..., MockProcess],
                                   pki: TestPKI) -> None:
    mock = start_mock()
    bridge = start_bridge(azure_env(mock, pki, AZURE_API_VERSION=PREVIEW))
    audio = caller_audio(seed=12, frames=12)
    expected = GREETING_AUDIO + audio
    call = run(echo_call(bridge.ws_url, audio, expected))
    # The mock answered with beta names (response.audio.delta): the bridge must read them.
    assert call.audio == expected, first_difference(call.audio, expected)
    assert any(e["type"] == "response.audio.delta" for e in mock.sent_events(1))

    (hs,) = mock.handshakes()
    assert hs["path"] == "/openai/realtime"
    assert hs["params"] == {"api-version": PREVIEW, "deployment": DEPLOYMENT}
    assert hs["headers"].get("openai-beta") == "realtime=v1"
    assert hs["headers"].get("api-key") == AZURE_KEY

    events = mock.client_events(1)
    assert events[0]["type"] == "session.update"
    session = events[0]["session"]
    assert session["input_audio_format"] == "g711_ulaw"
    assert session["output_audio_format"] == "g711_ulaw"
    assert "audio" not in session and session.get("type") in (None, "realtime")
    types = [e["type"] for e in events]
    assert "response.create" in types
    assert types.index("response.create") < first_append(types)
    assert [e["audio"] for e in events if e["type"] == "input_audio_buffer.append"] \
        == call.sent_payloads
    assert mock.wait_closed(1, 2.0) is not None


def test_azure_preview_events_match_openai_sdk_beta(start_bridge: Callable[..., BridgeProcess],
                                                    start_mock: Callable[..., MockProcess],
                                                    pki: TestPKI) -> None:
    reason = beta_unavailable_reason()
    if reason:
        pytest.skip(reason)
    mock = start_mock()
    bridge = start_bridge(azure_env(mock, pki, AZURE_API_VERSION=PREVIEW,
                                    INSTRUCTIONS="Be brief.", VOICE="alloy"))
    audio = caller_audio(seed=13, frames=5)
    run(echo_call(bridge.ws_url, audio, GREETING_AUDIO + audio))
    mock.wait_closed(1, 2.0)
    events = mock.client_events(1)
    assert check_events(events, "beta", "client") == []
    assert events[0]["session"]["instructions"] == "Be brief."
    assert events[0]["session"]["voice"] == "alloy"
