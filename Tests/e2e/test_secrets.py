"""API keys never reach the log, at any level, on success or on a refused handshake."""

from __future__ import annotations

from typing import Callable

from harness import (
    AZURE_KEY,
    OPENAI_KEY,
    BridgeProcess,
    MockProcess,
    azure_env,
    caller_audio,
    echo_call,
    openai_env,
    run,
)

from peers.certs import TestPKI
from peers.mock_provider import GREETING_AUDIO

BODY = '{"error":{"message":"Incorrect API key provided"}}'


def assert_no_secret(bridge: BridgeProcess, key: str) -> None:
    log = bridge.stderr()
    assert log.strip(), "the bridge logged nothing at debug level"
    # The distinctive middle of the key is enough: a masked "sk-t…2b1d" is fine, the key is not.
    assert key not in log and key[8:-4] not in log, "the API key appears in the bridge's stderr"


def test_openai_key_not_logged_at_debug(start_bridge: Callable[..., BridgeProcess],
                                        start_mock: Callable[..., MockProcess],
                                        pki: TestPKI) -> None:
    mock = start_mock("--refuse", "401", "--body", BODY, "--refuse-which", "2")
    bridge = start_bridge(openai_env(mock, pki, LOG_LEVEL="debug"))
    audio = caller_audio(seed=51, frames=5)
    run(echo_call(bridge.ws_url, audio, GREETING_AUDIO + audio))
    run(echo_call(bridge.ws_url, audio, b"x", timeout=3))  # handshake 2 is refused
    assert bridge.wait_for_log(r"status=401", 3)
    assert_no_secret(bridge, OPENAI_KEY)


def test_azure_key_not_logged_at_debug(start_bridge: Callable[..., BridgeProcess],
                                       start_mock: Callable[..., MockProcess],
                                       pki: TestPKI) -> None:
    mock = start_mock("--refuse", "401", "--body", BODY, "--refuse-which", "2")
    bridge = start_bridge(azure_env(mock, pki, LOG_LEVEL="debug",
                                    AZURE_API_VERSION="2025-04-01-preview"))
    audio = caller_audio(seed=52, frames=5)
    run(echo_call(bridge.ws_url, audio, GREETING_AUDIO + audio))
    run(echo_call(bridge.ws_url, audio, b"x", timeout=3))
    assert bridge.wait_for_log(r"status=401", 3)
    assert_no_secret(bridge, AZURE_KEY)
