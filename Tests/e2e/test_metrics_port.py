"""METRICS_PORT: /metrics, /healthz and /readyz on a plain-HTTP listener of their own; the public
port keeps the probes but no longer answers /metrics. Unset, everything stays on PORT."""

from __future__ import annotations

import socket
import subprocess
import ssl
import urllib.error
import urllib.request
from typing import Callable

import pytest
from harness import BridgeProcess, MockProcess, caller_audio, echo_call, openai_env, parse_logfmt, run
from prometheus_client.parser import text_string_to_metric_families
from test_metrics_health import CONTENT_TYPE, wait_ended

from peers.certs import TestPKI
from peers.mock_provider import GREETING_AUDIO


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, method: str = "GET", context: ssl.SSLContext | None = None) -> tuple[int, str, str]:
    req = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(req, timeout=5, context=context) as resp:
            return resp.status, resp.headers.get("Content-Type", ""), resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("Content-Type", ""), err.read().decode()


def listening(bridge: BridgeProcess) -> dict[str, str]:
    lines = [parse_logfmt(ln) or {} for ln in bridge.log_lines()]
    return next(fields for fields in lines if fields.get("msg") == "listening")


def test_metrics_move_to_their_own_port_and_the_public_port_keeps_the_probes(
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        pki: TestPKI) -> None:
    mock = start_mock()
    port = free_port()
    bridge = start_bridge(openai_env(mock, pki, METRICS_PORT=str(port), METRICS_HOST="127.0.0.1"))
    fields = listening(bridge)
    assert fields["metrics_port"] == str(port) and fields["metrics_host"] == "127.0.0.1"
    ops = f"http://127.0.0.1:{port}"

    audio = caller_audio(seed=71, frames=10)
    run(echo_call(bridge.ws_url, audio, GREETING_AUDIO + audio))
    wait_ended(bridge, 1)

    assert get(bridge.http_url + "/metrics")[0] == 404
    assert get(bridge.http_url + "/metrics", "HEAD")[0] == 404
    for path in ("/healthz", "/readyz"):  # load balancers probe the public port
        assert get(bridge.http_url + path)[0] == 200

    status, ctype, text = get(ops + "/metrics")
    assert status == 200 and ctype == CONTENT_TYPE, (status, ctype)
    samples = {s.name: s for f in text_string_to_metric_families(text) for s in f.samples
               if not s.labels or s.labels.get("outcome") == "caller_hung_up"}
    assert samples["voice_bridge_calls_total"].value == 1  # the call on the public port, counted here
    assert samples["voice_bridge_active_calls"].value == 0
    for path in ("/healthz", "/readyz"):
        assert get(ops + path)[0] == 200
        assert get(ops + path, "POST")[0] == 405
    # Calls never come in on the operations port.
    for path in ("/incoming-call", "/media-stream", "/calls", "/call-status"):
        assert get(ops + path)[0] == 404, path


def test_the_metrics_port_is_plain_http_when_the_public_port_serves_tls(
        start_bridge: Callable[..., BridgeProcess], pki: TestPKI) -> None:
    cert, key = pki.localhost
    port = free_port()
    bridge = start_bridge({"TLS_CERT_FILE": str(cert), "TLS_KEY_FILE": str(key), "METRICS_PORT": str(port)})
    assert listening(bridge)["metrics_host"] == "0.0.0.0"
    trust = ssl.create_default_context(cafile=str(pki.ca))
    public = f"https://localhost:{bridge.port}"
    assert get(public + "/healthz", context=trust)[0] == 200
    assert get(public + "/metrics", context=trust)[0] == 404
    status, _, text = get(f"http://127.0.0.1:{port}/metrics")
    assert status == 200 and "voice_bridge_ready 1" in text


def test_without_metrics_port_the_public_port_serves_metrics_as_before(
        start_bridge: Callable[..., BridgeProcess]) -> None:
    bridge = start_bridge({})
    assert "metrics_port" not in listening(bridge)
    assert get(bridge.http_url + "/metrics")[0] == 200


@pytest.mark.parametrize(("env", "variable", "words"), [
    ({"METRICS_PORT": "70000"}, "METRICS_PORT", ["'70000'", "1 to 65535"]),
    ({"METRICS_PORT": "0"}, "METRICS_PORT", ["'0'", "1 to 65535"]),
    ({"PORT": "5050", "METRICS_PORT": "5050"}, "METRICS_PORT", ["same as PORT"]),
    ({"METRICS_PORT": "9091", "METRICS_HOST": "prometheus.local"}, "METRICS_HOST", ["'prometheus.local'", "0.0.0.0"]),
])
def test_bad_metrics_settings_stop_serve_naming_the_variable(
        run_bridge: Callable[..., subprocess.CompletedProcess[str]], env: dict[str, str], variable: str, words: list[str]) -> None:
    done = run_bridge("serve", env={"PORT": "0", **env})
    assert done.returncode == 2, done.stderr
    [line] = [ln for ln in done.stderr.splitlines() if variable in ln]
    for word in words:
        assert word in line, (word, line)


def test_a_metrics_port_in_use_stops_serve_naming_it(
        run_bridge: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = run_bridge("serve", env={"PORT": "0", "METRICS_PORT": str(port), "METRICS_HOST": "127.0.0.1"})
    assert done.returncode == 1, done.stderr
    assert "METRICS_PORT" in done.stderr and f"127.0.0.1:{port}" in done.stderr
