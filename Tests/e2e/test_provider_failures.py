"""A provider that refuses or can't be trusted ends that call only — never the daemon or
another call — and the log says why (status and body, or the TLS reason)."""

from __future__ import annotations

import asyncio
from typing import Callable

import pytest
from harness import (
    BridgeProcess,
    MockProcess,
    azure_env,
    caller_audio,
    echo_call,
    first_difference,
    openai_env,
    run,
)

from peers.certs import TestPKI, make_test_pki
from peers.fake_twilio import FakeTwilioCall
from peers.mock_provider import GREETING_AUDIO

BAD_KEY_BODY = '{"error":{"message":"Incorrect API key provided","type":"invalid_request_error"}}'
NO_DEPLOYMENT_BODY = ('{"error":{"code":"DeploymentNotFound","message":"The API deployment for '
                      'this resource does not exist."}}')
REFUSALS = [
    pytest.param("openai", 401, BAD_KEY_BODY, "Incorrect API key provided", id="openai-401"),
    pytest.param("azure", 404, NO_DEPLOYMENT_BODY, "DeploymentNotFound", id="azure-404"),
]


async def call_is_dropped(ws_url: str, timeout: float = 5.0) -> FakeTwilioCall:
    """Starts a call, keeps talking, and returns once the bridge closed it (or time ran out)."""
    call = FakeTwilioCall(ws_url, pace=1.0)
    await call.connect()
    await call.start()
    talk = asyncio.create_task(call.send_audio(caller_audio(seed=99, frames=250)))
    await call.wait_closed(timeout)
    talk.cancel()
    await asyncio.gather(talk, return_exceptions=True)
    if not call.closed.is_set():
        await call.close()
        call.closed_by_bridge = False
    return call


@pytest.mark.parametrize("provider,status,body,needle", REFUSALS)
def test_refused_handshake_closes_caller_and_logs_status_and_body(
        provider: str, status: int, body: str, needle: str,
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        pki: TestPKI) -> None:
    mock = start_mock("--refuse", str(status), "--body", body, "--refuse-which", "1")
    env = openai_env(mock, pki) if provider == "openai" else azure_env(mock, pki)
    bridge = start_bridge(env)

    call = run(call_is_dropped(bridge.ws_url))
    assert call.closed_by_bridge, "the bridge kept the caller's socket open after a refusal"
    line = bridge.wait_for_log(rf"(?=.*\bstatus={status}\b)(?=.*{needle})", 2)
    assert line, f"no log line with both status={status} and the body text {needle!r}"
    assert bridge.alive(), "a refused call took the daemon down"

    # The same daemon serves the next call normally (the mock accepts handshake 2).
    audio = caller_audio(seed=21, frames=10)
    expected = GREETING_AUDIO + audio
    second = run(echo_call(bridge.ws_url, audio, expected))
    assert second.audio == expected, first_difference(second.audio, expected)
    assert second.violations == []


def test_refused_call_leaves_concurrent_call_untouched(
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        pki: TestPKI) -> None:
    mock = start_mock("--refuse", "401", "--body", BAD_KEY_BODY, "--refuse-which", "2")
    bridge = start_bridge(openai_env(mock, pki))
    first_half, second_half = caller_audio(seed=31, frames=15), caller_audio(seed=32, frames=15)

    async def scenario() -> tuple[FakeTwilioCall, FakeTwilioCall]:
        good = FakeTwilioCall(bridge.ws_url, pace=0.25)
        await good.connect()
        await good.start()
        await good.send_audio(first_half)
        assert await good.wait_for_audio(len(GREETING_AUDIO) + len(first_half)), \
            first_difference(good.audio, GREETING_AUDIO + first_half)
        refused = await call_is_dropped(bridge.ws_url)   # handshake 2: refused
        await good.send_audio(second_half)                # the first call carries on
        await good.wait_for_audio(len(GREETING_AUDIO) + 2 * len(first_half))
        await good.stop()
        return good, refused

    good, refused = run(scenario())
    assert refused.closed_by_bridge
    expected = GREETING_AUDIO + first_half + second_half
    assert good.audio == expected, first_difference(good.audio, expected)
    assert good.closed_by_bridge is False, "the refusal closed the other caller too"
    assert mock.wait_closed(1, 2.0) is not None, "provider socket still open after stop"


def test_certificate_for_wrong_host_closes_caller_and_says_hostname_mismatch(
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        pki: TestPKI) -> None:
    mock = start_mock(cert="wrong")
    bridge = start_bridge(openai_env(mock, pki))
    call = run(call_is_dropped(bridge.ws_url))
    assert call.closed_by_bridge, "caller still connected after a failed TLS handshake"
    line = bridge.wait_for_log(r"(?=.*hostname mismatch)(?=.*localhost)", 2)
    assert line, "no log line says 'hostname mismatch' and names the host 'localhost'"
    assert bridge.alive()
    assert all(h["refused"] is None for h in mock.handshakes())
    assert mock.client_events() == [], "the bridge sent events over an untrusted connection"


def test_untrusted_certificate_closes_caller(start_bridge: Callable[..., BridgeProcess],
                                             start_mock: Callable[..., MockProcess],
                                             pki: TestPKI,
                                             tmp_path_factory: pytest.TempPathFactory) -> None:
    """A provider cert from a CA the bridge doesn't trust: the call ends, the daemon lives."""
    stranger = make_test_pki(tmp_path_factory.mktemp("other-ca"))
    mock = start_mock()
    bridge = start_bridge(openai_env(mock, pki, SSL_CERT_FILE=str(stranger.ca)))
    call = run(call_is_dropped(bridge.ws_url))
    assert call.closed_by_bridge
    assert mock.client_events() == []
    assert bridge.alive()
