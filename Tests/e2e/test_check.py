"""`voice-bridge check`: one ✔/✘ line per step with the measured time, the cause and the fix for
each ✘, and exit status 0 only when everything passed — against loopback mocks of each failure."""

from __future__ import annotations

import re
from pathlib import Path
import subprocess
from typing import Callable

import pytest
from harness import MockProcess, azure_env, openai_env
from test_provider_failures import BAD_KEY_BODY, NO_DEPLOYMENT_BODY
from test_tools import TAVILY_KEY, start_tavily  # noqa: F401  (a fixture)

from peers.certs import TestPKI

Run = Callable[..., subprocess.CompletedProcess[str]]
TIMED = r"\(\d+ ms\)"


def lines(done: subprocess.CompletedProcess[str]) -> list[str]:
    return done.stdout.splitlines()


def line(done: subprocess.CompletedProcess[str], pattern: str) -> str:
    found = [ln for ln in lines(done) if re.search(pattern, ln)]
    assert found, f"no line matches {pattern!r}:\n{done.stdout}\n{done.stderr}"
    return found[0]


def test_everything_passing_exits_zero(run_bridge: Run, start_mock: Callable[..., MockProcess],
                                       pki: TestPKI) -> None:
    mock = start_mock()
    env = azure_env(mock, pki)
    del env["PUBLIC_URL"]
    done = run_bridge("check", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert line(done, r"^✔ configuration: valid — provider azure, 1 deployment target, auth api-key, no fallback$")
    subject = rf"azure localhost:{mock.port}/gpt-realtime-dep"
    assert re.search(rf"^✔ {subject}: DNS — localhost → 127\.0\.0\.1.* {TIMED}$", line(done, "DNS"))
    assert re.search(rf"^✔ {subject}: TLS — localhost:{mock.port}, certificate verified {TIMED}$", line(done, "TLS"))
    assert re.search(rf"^✔ {subject}: WebSocket upgrade — HTTP 101, GA interface {TIMED}$", line(done, "upgrade"))
    assert re.search(rf"^✔ {subject}: session.update — session.updated.* {TIMED}$", line(done, "session"))
    assert line(done, r"^– PUBLIC_URL: not set")
    assert not any(ln.startswith("✘") for ln in lines(done))
    (hs,) = mock.handshakes()
    assert mock.client_events(1)[0]["type"] == "session.update"


UPGRADE_FAILURES = [
    pytest.param("401", BAD_KEY_BODY, r"HTTP 401 invalid_request_error: Incorrect API key provided",
                 "AZURE_OPENAI_API_KEY", id="401"),
    pytest.param("404", NO_DEPLOYMENT_BODY, r"HTTP 404 DeploymentNotFound: The API deployment",
                 "AZURE_OPENAI_DEPLOYMENT must be the deployment name shown in the portal", id="404"),
    pytest.param("429", '{"error":{"code":"429","message":"rate limit"}}', r"HTTP 429 429: rate limit",
                 "quota or rate limit", id="429"),
    pytest.param("400", '{"error":{"code":"OperationNotSupported","message":"not a realtime model"}}',
                 r"HTTP 400 OperationNotSupported", "may not be a realtime model", id="400"),
    pytest.param("500", "oops", r"HTTP 500 oops", "server error", id="500"),
]


@pytest.mark.parametrize("status,body,cause,fix", UPGRADE_FAILURES)
def test_refused_upgrade_line_has_status_cause_and_fix(status: str, body: str, cause: str, fix: str,
                                                       run_bridge: Run,
                                                       start_mock: Callable[..., MockProcess],
                                                       pki: TestPKI) -> None:
    mock = start_mock("--refuse", status, "--body", body)
    done = run_bridge("check", env=azure_env(mock, pki))
    assert done.returncode == 1
    failed = line(done, r"^✘ .*WebSocket upgrade")
    assert re.search(cause, failed) and fix in failed and re.search(TIMED, failed), failed
    assert line(done, r"^✔ .*: TLS")


def test_session_update_error_line(run_bridge: Run, start_mock: Callable[..., MockProcess],
                                   pki: TestPKI) -> None:
    mock = start_mock("--session-error", "unknown_parameter")
    done = run_bridge("check", env=openai_env(mock, pki))
    assert done.returncode == 1
    failed = line(done, r"^✘ openai localhost:\d+/gpt-realtime-2\.1: session.update")
    # The bridge retried with the minimal update; refused too, the target cannot carry calls.
    assert "refused even the minimal session.update (unknown_parameter)" in failed, failed
    assert "cannot carry calls" in failed and "report this line" in failed


def test_refused_optional_fields_are_a_warning_naming_them(run_bridge: Run, start_mock: Callable[..., MockProcess],
                                                           pki: TestPKI) -> None:
    mock = start_mock("--refuse-session-field", "audio.input.noise_reduction")
    done = run_bridge("check", env=openai_env(mock, pki))
    warning = line(done, r"^! openai localhost:\d+/gpt-realtime-2\.1: session.update")
    assert "without audio.input.noise_reduction (refused by the provider)" in warning, warning
    assert "calls on this target leave them out" in warning


def test_a_model_that_shuts_down_is_a_warning_line_that_does_not_fail_the_check(
        run_bridge: Run, start_mock: Callable[..., MockProcess], pki: TestPKI) -> None:
    mock = start_mock()
    table = Path(__file__).resolve().parents[2] / "config" / "model-deprecations.json"
    done = run_bridge("check", env=openai_env(mock, pki, OPENAI_REALTIME_MODEL="gpt-realtime",
                                              MODEL_DEPRECATIONS_FILE=str(table)))
    warning = line(done, r"^! model gpt-realtime: deprecations")
    assert "shuts down on 2027-01-20" in warning and "OPENAI_REALTIME_MODEL=gpt-realtime-2.1" in warning, warning
    assert not re.search(r"^✘ model", done.stdout, re.M)


def test_transport_failures(run_bridge: Run, start_mock: Callable[..., MockProcess], pki: TestPKI) -> None:
    wrong = start_mock(cert="wrong")
    slow = start_mock("--delay-accept", "3000")
    env = azure_env(wrong, pki, PROVIDER_CONNECT_TIMEOUT_MS="500",
                    AZURE_OPENAI_ENDPOINTS=f"https://localhost:{wrong.port},https://nothing.invalid,"
                                           f"https://localhost:{slow.port}")
    done = run_bridge("check", env=env, timeout=30)
    assert done.returncode == 1
    tls = line(done, rf"^✘ azure localhost:{wrong.port}/gpt-realtime-dep: TLS")
    assert "hostname mismatch" in tls and "SSL_CERT_FILE" in tls
    dns = line(done, r"^✘ azure nothing.invalid/gpt-realtime-dep: DNS")
    assert "DNS lookup of nothing.invalid failed" in dns and "AZURE_OPENAI_ENDPOINT" in dns
    timeout = line(done, rf"^✘ azure localhost:{slow.port}/gpt-realtime-dep: WebSocket upgrade")
    assert "timed out" in timeout


def test_invalid_configuration_exits_two(run_bridge: Run) -> None:
    done = run_bridge("check", env={"USE_AZURE_OPENAI": "true"})
    assert done.returncode == 2
    assert line(done, r"^✘ configuration: valid: AZURE_OPENAI_ENDPOINT: USE_AZURE_OPENAI=true but "
                      r"AZURE_OPENAI_ENDPOINT is not set")


def test_public_url_lines(run_bridge: Run, start_mock: Callable[..., MockProcess], pki: TestPKI) -> None:
    mock = start_mock()
    done = run_bridge("check", env=openai_env(mock, pki, PUBLIC_URL=f"https://localhost:{mock.port}"))
    assert done.returncode == 1
    subject = rf"PUBLIC_URL localhost:{mock.port}"
    assert line(done, rf"^✔ {subject}: TwiML — <Connect><Stream url=\"wss://localhost:{mock.port}/media-stream\"> is valid$")
    assert "localhost is this machine" in line(done, rf"^✘ {subject}: public host")
    assert re.search(TIMED, line(done, rf"^✔ {subject}: DNS"))
    # The mock's certificate is for localhost and trusted through SSL_CERT_FILE: TLS passes.
    assert line(done, rf"^✔ {subject}: TLS — localhost:{mock.port}, certificate trusted")

    private = run_bridge("check", env=openai_env(mock, pki, PUBLIC_URL="10.1.2.3:1",
                                                 PROVIDER_CONNECT_TIMEOUT_MS="300"), timeout=30)
    assert "10.1.2.3 is a private address" in line(private, r"^✘ PUBLIC_URL 10.1.2.3:1: public host")
    assert "error 31910" in line(private, r"^✘ PUBLIC_URL 10.1.2.3:1: TLS")


def test_managed_identity_and_proxy_lines(run_bridge: Run, start_mock: Callable[..., MockProcess],
                                          pki: TestPKI) -> None:
    mock = start_mock()
    env = azure_env(mock, pki, AZURE_OPENAI_AUTH="managed-identity",
                    AZURE_IDENTITY_ENDPOINT="http://127.0.0.1:9/metadata/identity/oauth2/token",
                    HTTPS_PROXY="http://127.0.0.1:9")
    del env["AZURE_OPENAI_API_KEY"], env["PUBLIC_URL"]
    done = run_bridge("check", env=env)
    assert done.returncode == 1
    assert "proxy 127.0.0.1:9" in line(done, r"^✔ configuration")
    identity = line(done, r"^✘ managed identity: token")
    assert "could not reach the identity endpoint http://127.0.0.1:9/metadata" in identity and "AZURE_OPENAI_AUTH=api-key" in identity
    assert line(done, r"^✔ azure .*: DNS \(proxy\) — 127\.0\.0\.1")
    assert "Connection refused" in line(done, r"^✘ azure .*: TLS via proxy")


TAVILY = [
    pytest.param("ok", r"^✔ Tavily https://localhost:\d+: search — 2 results \(\d+ ms\)$", None, id="ok"),
    pytest.param("401", r"^✘ Tavily .*: search: .*401", "TAVILY_API_KEY", id="401"),
    pytest.param("403", r"^✘ Tavily .*: search: .*403", "plan", id="403"),
    pytest.param("429", r"^✘ Tavily .*: search: .*429", "too many requests", id="429"),
    pytest.param("432", r"^✘ Tavily .*: search: .*432", "credits are used up", id="432"),
    pytest.param("433", r"^✘ Tavily .*: search: .*433", "spending limit", id="433"),
    pytest.param("400", r"^✘ Tavily .*: search: .*400", "please report", id="400"),
    pytest.param("502", r"^✘ Tavily .*: search: .*502", "retry later", id="5xx"),
]


@pytest.mark.parametrize("script,pattern,fix", TAVILY)
def test_tavily_line(script: str, pattern: str, fix: str | None, run_bridge: Run,
                     start_mock: Callable[..., MockProcess], start_tavily: Callable[..., object],
                     pki: TestPKI) -> None:
    mock = start_mock()
    tavily = start_tavily("--script", script)
    env = openai_env(mock, pki, TAVILY_API_KEY=TAVILY_KEY, TAVILY_BASE_URL=f"https://localhost:{tavily.port}")  # type: ignore[attr-defined]
    del env["PUBLIC_URL"]
    done = run_bridge("check", env=env)
    found = line(done, pattern)
    assert done.returncode == (0 if fix is None else 1)
    if fix:
        assert fix in found, found
