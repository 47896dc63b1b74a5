"""Fixtures for the end-to-end tests of `voice-bridge`.

The binary is VOICE_BRIDGE_BIN (default .build/debug/voice-bridge under the repo root). Every
process a test starts is killed at teardown; when a test fails, the bridge's stderr, the mock
provider's output and its records are attached to the report.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # Tests/, for `peers`

from harness import (  # noqa: E402
    launch_peer,
    BridgeProcess,
    ManagedProcess,
    MockProcess,
    bridge_binary,
    bridge_command,
    clean_env,
)

from peers.certs import TestPKI, make_test_pki  # noqa: E402


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if report.failed:
        for proc in getattr(item, "_e2e_processes", []):
            report.sections.append((f"{proc.name} ({report.when})", proc.report()))


@pytest.fixture(scope="session")
def binary() -> Path:
    path = bridge_binary()
    if not path.exists():
        pytest.fail(f"voice-bridge binary not found at {path}: run `swift build` in the repo "
                    f"root, or set VOICE_BRIDGE_BIN", pytrace=False)
    return path


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPKI:
    return make_test_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def processes(request: pytest.FixtureRequest) -> Iterator[list[ManagedProcess]]:
    procs: list[ManagedProcess] = []
    request.node._e2e_processes = procs
    yield procs
    for proc in reversed(procs):
        proc.stop()


@pytest.fixture
def start_bridge(binary: Path, tmp_path: Path, processes: list[ManagedProcess]
                 ) -> Callable[..., BridgeProcess]:
    """start_bridge(env={...}, dotenv="K=V\\n", wait=True) -> a listening BridgeProcess."""
    counter = iter(range(1, 1000))

    def start(env: dict[str, str] | None = None, *, dotenv: str | None = None,
              wait: bool = True) -> BridgeProcess:
        n = next(counter)
        cwd = tmp_path / f"bridge{n}"
        cwd.mkdir()
        if dotenv is not None:
            (cwd / ".env").write_text(dotenv)
        full_env = clean_env(PORT="0", **(env or {}))
        bridge = BridgeProcess(f"bridge{n}", bridge_command("serve"), cwd, full_env, tmp_path)
        processes.append(bridge)
        if wait:
            bridge.wait_listening()
        return bridge
    return start


@pytest.fixture
def run_bridge(binary: Path, tmp_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Runs the bridge to completion (config errors, simulate); kills it after `timeout`."""
    def go(*args: str, env: dict[str, str] | None = None, timeout: float = 15.0,
           cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        workdir = cwd or tmp_path / "run"
        workdir.mkdir(exist_ok=True)
        try:
            return subprocess.run(bridge_command(*args), cwd=workdir, env=clean_env(**(env or {})),
                                  capture_output=True, text=True, timeout=timeout,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as exc:
            # TimeoutExpired carries bytes even when run() was asked for text.
            err = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) \
                else (exc.stderr or "")
            pytest.fail(f"`voice-bridge {' '.join(args)}` still running after {timeout}s "
                        f"(killed)\nstderr:\n{err}", pytrace=False)
    return go


@pytest.fixture
def start_mock(pki: TestPKI, tmp_path: Path, processes: list[ManagedProcess]
               ) -> Callable[..., MockProcess]:
    """start_mock("--refuse", "401", ..., cert="localhost"|"wrong"|None) -> MockProcess."""
    counter = iter(range(1, 1000))

    def start(*args: str, cert: str | None = "localhost") -> MockProcess:
        if cert is None:
            tls = ["--plain"]
        else:
            cert_path, key_path = pki.localhost if cert == "localhost" else pki.wrong_host
            tls = ["--cert", str(cert_path), "--key", str(key_path)]
        return launch_peer(MockProcess, f"mock{next(counter)}", "mock_provider.py", tls + list(args),
                           tmp_path, processes)
    return start


def pytest_configure(config: Any) -> None:
    config.addinivalue_line("markers", "slow: takes several seconds of real-time audio")
