"""Provider failover: round-robin over Azure deployments, moving on from each kind of failure
(PROTOCOLS.md §3), cool-down of misconfigured deployments, and the OpenAI fallback."""

from __future__ import annotations

import asyncio
import re
import urllib.request
from typing import Callable

import pytest
from harness import (
    AZURE_KEY,
    OPENAI_KEY,
    BridgeProcess,
    MockProcess,
    azure_env,
    caller_audio,
    echo_call,
    first_difference,
    run,
)
from test_provider_failures import NO_DEPLOYMENT_BODY, call_is_dropped

from peers.certs import TestPKI
from peers.fake_twilio import FakeTwilioCall
from peers.mock_provider import GREETING_AUDIO

QUOTA_BODY = '{"error":{"code":"429","message":"Requests to the Realtime API have exceeded the rate limit."}}'


def two_deployments(mock: MockProcess, pki: TestPKI, **extra: str) -> dict[str, str]:
    env = azure_env(mock, pki, AZURE_OPENAI_DEPLOYMENTS="dep-a,dep-b", **extra)
    del env["AZURE_OPENAI_DEPLOYMENT"]
    return env


def one_call(bridge: BridgeProcess, seed: int) -> None:
    audio = caller_audio(seed=seed, frames=6)
    call = run(echo_call(bridge.ws_url, audio, GREETING_AUDIO + audio))
    assert call.audio == GREETING_AUDIO + audio, first_difference(call.audio, GREETING_AUDIO + audio)


def deployments(mock: MockProcess) -> list[str]:
    return [h["params"].get("model", "") for h in mock.handshakes()]


def test_each_new_call_starts_on_the_next_deployment(start_bridge: Callable[..., BridgeProcess],
                                                      start_mock: Callable[..., MockProcess],
                                                      pki: TestPKI) -> None:
    mock = start_mock()
    bridge = start_bridge(two_deployments(mock, pki, PREWARM="false"))
    for seed in (1, 2, 3):
        one_call(bridge, seed)
    assert deployments(mock) == ["dep-a", "dep-b", "dep-a"]
    assert bridge.wait_for_log(r"provider rotation.*dep-a.*dep-b", 1)


def test_misconfigured_deployment_is_logged_with_fix_and_cooled_down(
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        pki: TestPKI) -> None:
    mock = start_mock("--refuse", "404", "--body", NO_DEPLOYMENT_BODY, "--refuse-deployment", "dep-a")
    bridge = start_bridge(two_deployments(mock, pki, PREWARM="false"))
    for seed in (4, 5, 6):
        one_call(bridge, seed)   # every call is answered: dep-b takes them
    # Call 1 tried dep-a (404) then dep-b; calls 2 and 3 skip dep-a while it cools down.
    assert deployments(mock) == ["dep-a", "dep-b", "dep-b", "dep-b"]
    line = bridge.wait_for_log(r"provider configuration error", 1)
    assert line and "404" in line
    assert "DeploymentNotFound" in line and "deployment name shown in the portal" in line
    assert "cooldown_s=60" in line


def test_cooled_down_deployment_is_tried_again_after_the_cooldown(
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        pki: TestPKI) -> None:
    mock = start_mock("--refuse", "401", "--body", "bad key", "--refuse-deployment", "dep-a")
    bridge = start_bridge(two_deployments(mock, pki, PREWARM="false", PROVIDER_COOLDOWN_MS="0"))
    one_call(bridge, 7)
    one_call(bridge, 8)
    one_call(bridge, 9)
    # With no cool-down, call 3 starts on dep-a again (round-robin) and moves on to dep-b.
    assert deployments(mock) == ["dep-a", "dep-b", "dep-b", "dep-a", "dep-b"]


FAILURES = [
    pytest.param(("--refuse", "429", "--body", QUOTA_BODY), "localhost", {}, r"status=429|HTTP 429",
                 id="429"),
    pytest.param(("--refuse", "503", "--body", "upstream busy"), "localhost", {}, r"HTTP 503",
                 id="5xx"),
    pytest.param(("--delay-accept", "3000"), "localhost", {"PROVIDER_CONNECT_TIMEOUT_MS": "600"},
                 r"timed out", id="timeout"),
    pytest.param((), "wrong", {}, r"hostname mismatch", id="tls"),
    pytest.param(None, None, {}, r"DNS lookup of nothing\.invalid failed", id="dns"),
    pytest.param(("--refuse", "401", "--body", "Access denied due to invalid subscription key"),
                 "localhost", {}, r"check AZURE_OPENAI_API_KEY", id="401"),
]


@pytest.mark.parametrize("bad_args,bad_cert,extra,needle", FAILURES)
def test_a_failing_endpoint_moves_the_call_to_the_next(
        bad_args: tuple[str, ...] | None, bad_cert: str | None, extra: dict[str, str], needle: str,
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        pki: TestPKI) -> None:
    good = start_mock()
    if bad_args is None:
        bad_endpoint = "https://nothing.invalid"
        bad = None
    else:
        bad = start_mock(*bad_args, cert=bad_cert)
        bad_endpoint = f"https://localhost:{bad.port}"
    env = azure_env(good, pki, PREWARM="false", **extra)
    del env["AZURE_OPENAI_ENDPOINT"]
    env["AZURE_OPENAI_ENDPOINTS"] = f"{bad_endpoint},https://localhost:{good.port}"
    bridge = start_bridge(env)
    one_call(bridge, 10)
    assert len(good.handshakes()) == 1, "the call did not reach the second endpoint"
    assert good.handshakes()[0]["headers"].get("api-key") == AZURE_KEY
    assert bridge.wait_for_log(needle, 1), f"no log line says {needle!r}"
    if bad is not None and bad_cert == "localhost":
        assert len(bad.handshakes()) == 1
    assert bridge.alive()


def fallback_env(azure: MockProcess, openai: MockProcess, pki: TestPKI, **extra: str) -> dict[str, str]:
    return azure_env(azure, pki, PREWARM="false", OPENAI_API_KEY=OPENAI_KEY,
                     OPENAI_BASE_URL=f"https://localhost:{openai.port}/v1", **extra)


def test_every_azure_deployment_failing_falls_back_to_openai(
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        pki: TestPKI) -> None:
    azure = start_mock("--refuse", "503", "--body", "down")
    openai = start_mock()
    bridge = start_bridge(fallback_env(azure, openai, pki))
    one_call(bridge, 11)
    assert len(azure.handshakes()) == 1
    (hs,) = openai.handshakes()
    assert hs["path"] == "/v1/realtime" and hs["params"] == {"model": "gpt-realtime-2.1"}
    assert hs["headers"].get("authorization") == f"Bearer {OPENAI_KEY}"
    assert "api-key" not in hs["headers"]
    update = openai.client_events(1)[0]
    # The fallback speaks OpenAI's GA dialect, output_modalities included (Azure refuses it).
    assert update["type"] == "session.update" and update["session"]["output_modalities"] == ["audio"]
    assert bridge.wait_for_log(r"OpenAI fallback", 1)


def test_fallback_can_be_turned_off(start_bridge: Callable[..., BridgeProcess],
                                    start_mock: Callable[..., MockProcess], pki: TestPKI) -> None:
    azure = start_mock("--refuse", "503", "--body", "down")
    openai = start_mock()
    bridge = start_bridge(fallback_env(azure, openai, pki, FALLBACK_TO_OPENAI="false"))
    call = run(call_is_dropped(bridge.ws_url))
    assert call.closed_by_bridge
    assert openai.handshakes() == []
    assert bridge.wait_for_log(r"status=503", 1)


def test_prewarm_fails_over_too(start_bridge: Callable[..., BridgeProcess],
                                start_mock: Callable[..., MockProcess], pki: TestPKI) -> None:
    mock = start_mock("--refuse", "429", "--body", QUOTA_BODY, "--refuse-deployment", "dep-a")
    bridge = start_bridge(two_deployments(mock, pki))

    async def scenario() -> FakeTwilioCall:
        body = b"CallSid=CAprewarm0001&From=%2B15550100"
        request = urllib.request.Request(bridge.http_url + "/incoming-call", data=body, method="POST",
                                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        urllib.request.urlopen(request, timeout=5).read()
        await asyncio.sleep(0.5)  # the warm session opens (after dep-a's 429) before the stream
        call = FakeTwilioCall(bridge.ws_url, pace=0.25, call_sid="CAprewarm0001")
        await call.connect()
        await call.start()
        await call.wait_for_audio(len(GREETING_AUDIO), 5)
        await call.stop()
        return call

    call = run(scenario())
    assert call.audio[:len(GREETING_AUDIO)] == GREETING_AUDIO
    assert deployments(mock) == ["dep-a", "dep-b"]
    assert re.search(r"using the pre-warmed provider session", bridge.stderr())
