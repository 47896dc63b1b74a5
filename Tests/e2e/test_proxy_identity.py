"""HTTPS_PROXY (a CONNECT tunnel to the realtime socket, TLS end to end) and managed identity
(an Entra ID token from a loopback mock of the instance metadata / App Service endpoint)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import pytest
from harness import (
    launch_peer,
    AZURE_KEY,
    BridgeProcess,
    ManagedProcess,
    MockProcess,
    azure_env,
    caller_audio,
    echo_call,
    first_difference,
    openai_env,
    run,
    wait_until,
)
from test_provider_failures import call_is_dropped

from peers.certs import TestPKI
from peers.mock_provider import GREETING_AUDIO


class PeerProcess(ManagedProcess):
    """A peer that prints `listening port=N` and records JSON lines."""

    port: int
    record_path: Path

    def wait_listening(self, timeout: float = 10.0) -> int:
        import re  # noqa: PLC0415
        found = wait_until(lambda: re.search(r"listening port=(\d+)", self.stdout()) or not self.alive(),
                           timeout)
        match = re.search(r"listening port=(\d+)", self.stdout())
        assert match, f"{self.name} did not start\n{self.report()}\n{found}"
        self.port = int(match.group(1))
        return self.port

    def records(self) -> list[dict[str, object]]:
        if not self.record_path.exists():
            return []
        return [json.loads(line) for line in self.record_path.read_text().splitlines() if line]


@pytest.fixture
def start_peer(tmp_path: Path, processes: list[ManagedProcess]) -> Callable[..., PeerProcess]:
    counter = iter(range(1, 100))

    def start(script: str, *args: str) -> PeerProcess:
        return launch_peer(PeerProcess, f"{Path(script).stem}{next(counter)}", script, list(args),
                           tmp_path, processes)
    return start


def one_call(bridge: BridgeProcess, seed: int) -> None:
    audio = caller_audio(seed=seed, frames=6)
    call = run(echo_call(bridge.ws_url, audio, GREETING_AUDIO + audio))
    assert call.audio == GREETING_AUDIO + audio, first_difference(call.audio, GREETING_AUDIO + audio)


# MARK: proxy

def test_realtime_socket_goes_through_the_connect_proxy(start_bridge: Callable[..., BridgeProcess],
                                                        start_mock: Callable[..., MockProcess],
                                                        start_peer: Callable[..., PeerProcess],
                                                        pki: TestPKI) -> None:
    mock = start_mock()
    proxy = start_peer("connect_proxy.py", "--require-auth", "alice:s3cret-proxy-pass")
    bridge = start_bridge(openai_env(mock, pki, PREWARM="false",
                                     HTTPS_PROXY=f"http://alice:s3cret-proxy-pass@127.0.0.1:{proxy.port}"))
    one_call(bridge, 50)
    (record,) = proxy.records()
    assert record["target"] == f"localhost:{mock.port}" and record["status"] == 200
    assert str(record["auth"]).startswith("Basic ")
    assert len(mock.handshakes()) == 1  # TLS was end to end: the mock's certificate for localhost verified
    assert "s3cret-proxy-pass" not in bridge.stderr()


def test_proxy_refusal_names_the_status_and_the_fix(start_bridge: Callable[..., BridgeProcess],
                                                    start_mock: Callable[..., MockProcess],
                                                    start_peer: Callable[..., PeerProcess],
                                                    pki: TestPKI) -> None:
    mock = start_mock()
    proxy = start_peer("connect_proxy.py", "--require-auth", "alice:right")
    bridge = start_bridge(openai_env(mock, pki, PREWARM="false", HTTPS_PROXY=f"http://127.0.0.1:{proxy.port}"))
    call = run(call_is_dropped(bridge.ws_url))
    assert call.closed_by_bridge
    assert bridge.wait_for_log(r"407 Proxy Authentication Required.*HTTPS_PROXY", 2)
    assert mock.handshakes() == []


def test_no_proxy_bypasses_the_proxy(start_bridge: Callable[..., BridgeProcess],
                                     start_mock: Callable[..., MockProcess],
                                     start_peer: Callable[..., PeerProcess], pki: TestPKI) -> None:
    mock = start_mock()
    proxy = start_peer("connect_proxy.py", "--refuse", "403")
    bridge = start_bridge(openai_env(mock, pki, PREWARM="false", HTTPS_PROXY=f"http://127.0.0.1:{proxy.port}",
                                     NO_PROXY="example.com,.localhost,localhost"))
    one_call(bridge, 51)
    assert proxy.records() == []


# MARK: managed identity

def identity_env(mock: MockProcess, identity: PeerProcess, pki: TestPKI, **extra: str) -> dict[str, str]:
    env = azure_env(mock, pki, PREWARM="false", AZURE_OPENAI_AUTH="managed-identity", **extra)
    del env["AZURE_OPENAI_API_KEY"]
    env.setdefault("AZURE_IDENTITY_ENDPOINT",
                   f"http://127.0.0.1:{identity.port}/metadata/identity/oauth2/token")
    return env


def test_managed_identity_token_from_imds_is_sent_as_bearer_and_cached(
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        start_peer: Callable[..., PeerProcess], pki: TestPKI) -> None:
    mock = start_mock()
    identity = start_peer("mock_identity.py")
    bridge = start_bridge(identity_env(mock, identity, pki, AZURE_CLIENT_ID="1111-2222"))
    one_call(bridge, 52)
    one_call(bridge, 53)
    hs = mock.handshakes()
    assert [h["headers"].get("authorization") for h in hs] == ["Bearer mock-token-1"] * 2
    assert all("api-key" not in h["headers"] for h in hs)
    (request,) = identity.records()  # cached: one token for both calls
    assert request["path"] == "/metadata/identity/oauth2/token"
    assert request["query"] == {"api-version": "2018-02-01", "resource": "https://cognitiveservices.azure.com",
                                "client_id": "1111-2222"}
    assert request["headers"]["metadata"] == "true"
    assert "mock-token-1" not in bridge.stderr()


def test_managed_identity_token_is_renewed_before_expiry(start_bridge: Callable[..., BridgeProcess],
                                                         start_mock: Callable[..., MockProcess],
                                                         start_peer: Callable[..., PeerProcess],
                                                         pki: TestPKI) -> None:
    mock = start_mock()
    identity = start_peer("mock_identity.py", "--lifetime", "1")  # renewed at half its life
    bridge = start_bridge(identity_env(mock, identity, pki))
    one_call(bridge, 54)
    wait_until(lambda: False, 0.7)
    one_call(bridge, 55)
    assert [h["headers"].get("authorization") for h in mock.handshakes()] == \
        ["Bearer mock-token-1", "Bearer mock-token-2"]


def test_app_service_identity_endpoint(start_bridge: Callable[..., BridgeProcess],
                                       start_mock: Callable[..., MockProcess],
                                       start_peer: Callable[..., PeerProcess], pki: TestPKI) -> None:
    mock = start_mock()
    identity = start_peer("mock_identity.py", "--app-service", "hdr-secret-42")
    bridge = start_bridge(identity_env(mock, identity, pki,
                                       IDENTITY_ENDPOINT=f"http://127.0.0.1:{identity.port}/msi/token",
                                       IDENTITY_HEADER="hdr-secret-42"))
    one_call(bridge, 56)
    (request,) = identity.records()
    assert request["path"] == "/msi/token" and request["query"]["api-version"] == "2019-08-01"
    assert request["headers"]["x-identity-header"] == "hdr-secret-42"
    assert mock.handshakes()[0]["headers"]["authorization"] == "Bearer mock-token-1"
    assert "hdr-secret-42" not in bridge.stderr()


def test_identity_failure_falls_back_and_logs_the_fix(start_bridge: Callable[..., BridgeProcess],
                                                      start_mock: Callable[..., MockProcess],
                                                      start_peer: Callable[..., PeerProcess],
                                                      pki: TestPKI) -> None:
    azure = start_mock()
    openai = start_mock()
    identity = start_peer("mock_identity.py", "--status", "400", "--body",
                          '{"error":"invalid_request","error_description":"Identity not found"}')
    bridge = start_bridge(identity_env(azure, identity, pki, OPENAI_API_KEY="sk-test-fallback-key",
                                       OPENAI_BASE_URL=f"https://localhost:{openai.port}/v1"))
    one_call(bridge, 57)
    assert azure.handshakes() == []
    assert len(openai.handshakes()) == 1
    assert bridge.wait_for_log(r"provider configuration error.*Identity not found.*managed identity", 1)
    assert AZURE_KEY not in bridge.stderr()
