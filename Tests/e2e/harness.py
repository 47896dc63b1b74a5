"""Processes the e2e tests drive: the bridge under test and the mock provider.

Both run as subprocesses with stderr/stdout sent to files (never a pipe that can fill up and
stall them), and both are always killed by the fixtures in conftest.py.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Awaitable, Callable, TypeVar

TESTS_DIR = Path(__file__).resolve().parents[1]
REPO_ROOT = TESTS_DIR.parent
PEERS_DIR = TESTS_DIR / "peers"
sys.path.insert(0, str(TESTS_DIR))

from peers.fake_twilio import FakeTwilioCall  # noqa: E402

if TYPE_CHECKING:
    from peers.certs import TestPKI

T = TypeVar("T")

# The start-up line, as logfmt (msg=listening … port=N) or JSON ("msg":"listening",…,"port":"N").
LISTENING = re.compile(r'(?:msg="?listening"?|"msg":"listening").*?\bport"?[=:]"?(\d+)')
# A logfmt line: key=value pairs, values bare or double-quoted with \" escapes.
LOGFMT_PAIR = re.compile(r'([A-Za-z_][A-Za-z0-9_.\-]*)=("(?:[^"\\]|\\.)*"|[^\s"]*)(?:\s+|$)')

# Distinctive fake keys, so a leak into the logs is found by a plain substring search.
OPENAI_KEY = "sk-test-0penAIsecret-7f3a9c2e5b1d"
AZURE_KEY = "azkey-test-Secret-4d8e1f0a6c2b"


def bridge_binary() -> Path:
    """VOICE_BRIDGE_BIN, or .build/debug/voice-bridge under the repo root."""
    configured = os.environ.get("VOICE_BRIDGE_BIN")
    path = Path(configured) if configured else REPO_ROOT / ".build/debug/voice-bridge"
    return path if path.is_absolute() else (REPO_ROOT / path)


def bridge_command(*args: str) -> list[str]:
    binary = bridge_binary()
    if binary.suffix == ".py":  # the Python reference bridge, for testing these tests
        return [sys.executable, str(binary), *args]
    return [str(binary), *args]


def clean_env(**overrides: str) -> dict[str, str]:
    """A minimal environment: nothing from the developer's shell (no stray API keys).

    Twilio signature checks are off (the fake caller signs nothing unless told to); tests of
    the checks pass TWILIO_VALIDATE_SIGNATURES="" (empty counts as unset: the default policy).
    Two event loops with calls spread from the first (EVENT_LOOP_FILL=1), so that every suite's
    calls also run on a loop other than the listener's: moved there, their events, console posts
    and MCP tool calls handed back to loop 0. Tests of the loops themselves set their own.
    """
    env = {k: os.environ[k] for k in ("PATH", "LANG", "LC_ALL", "TZ") if k in os.environ}
    env.setdefault("LANG", "C.UTF-8")
    env["TWILIO_VALIDATE_SIGNATURES"] = "false"
    env["EVENT_LOOPS"] = "2"
    env["EVENT_LOOP_FILL"] = "1"
    env.update(overrides)
    return env


def parse_logfmt(line: str) -> dict[str, str] | None:
    """The key/value pairs of one logfmt line, or None if it isn't logfmt."""
    pos, out = 0, {}
    line = line.rstrip("\n")
    while pos < len(line):
        m = LOGFMT_PAIR.match(line, pos)
        if not m:
            return None
        key, value = m.group(1), m.group(2)
        if value.startswith('"'):
            value = json.loads(value) if _json_string(value) else value[1:-1].replace('\\"', '"')
        out[key] = value
        pos = m.end()
    return out


def _json_string(value: str) -> bool:
    try:
        json.loads(value)
        return True
    except json.JSONDecodeError:
        return False


def wait_until(predicate: Callable[[], Any], timeout: float, interval: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result or time.monotonic() >= deadline:
            return result
        time.sleep(interval)


class ManagedProcess:
    """A subprocess whose output goes to files, stopped by `stop()` (idempotent)."""

    def __init__(self, name: str, cmd: list[str], cwd: Path, env: dict[str, str],
                 out_dir: Path) -> None:
        self.name = name
        self.cmd = cmd
        self.stdout_path = out_dir / f"{name}.stdout"
        self.stderr_path = out_dir / f"{name}.stderr"
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err,
                                         stdin=subprocess.DEVNULL)

    def stdout(self) -> str:
        return self.stdout_path.read_text(errors="replace")

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> int | None:
        """SIGTERM; if still running after a second (the bridge drains), SIGTERM again (the
        bridge then exits at once); SIGKILL as a last resort."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(1)
            except subprocess.TimeoutExpired:
                self.proc.terminate()
                try:
                    self.proc.wait(2)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(3)
        return self.proc.returncode

    def report(self) -> str:
        return (f"$ {' '.join(self.cmd)}\nexit: {self.proc.poll()}\n--- stderr ---\n"
                f"{self.stderr()}--- stdout ---\n{self.stdout()}")


class BridgeProcess(ManagedProcess):
    """`voice-bridge serve` in its own temp cwd, on PORT=0."""

    port: int

    def wait_listening(self, timeout: float = 30.0) -> int:
        def found() -> int | None:
            m = LISTENING.search(self.stderr())
            return int(m.group(1)) if m else None
        port = wait_until(lambda: found() or not self.alive(), timeout)
        port = found()
        if port is None:
            state = "exited" if not self.alive() else f"no listening line after {timeout}s"
            raise AssertionError(f"bridge did not start ({state})\n{self.report()}")
        self.port = port
        return port

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/media-stream"

    def log_lines(self) -> list[str]:
        return self.stderr().splitlines()

    def wait_for_log(self, pattern: str, timeout: float = 5.0, flags: int = re.I) -> str | None:
        """The first stderr line matching `pattern` (regex), waiting up to `timeout`."""
        rx = re.compile(pattern, flags)
        return wait_until(lambda: next((ln for ln in self.log_lines() if rx.search(ln)), None),
                          timeout)


PeerT = TypeVar("PeerT", bound=ManagedProcess)


def launch_peer(cls: type[PeerT], name: str, script: str, args: list[str], tmp_path: Path,
                processes: list[ManagedProcess]) -> PeerT:
    """Starts Tests/peers/SCRIPT on a free port (`--port 0`), recording its JSON lines to
    tmp_path/NAME.jsonl (`--record`), registers it for clean-up and waits for `listening`."""
    record = tmp_path / f"{name}.jsonl"
    cmd = [sys.executable, str(PEERS_DIR / script), "--port", "0", "--record", str(record), *args]
    proc = cls(name, cmd, tmp_path, clean_env(), tmp_path)
    proc.record_path = record  # type: ignore[attr-defined]
    processes.append(proc)
    proc.wait_listening()  # type: ignore[attr-defined]
    return proc


def complete_json_lines(text: str) -> list[dict[str, Any]]:
    """The records of a JSON-lines file a peer is still writing: a last line without its newline
    is being written and is left for the next read (reading it now raced the writer)."""
    lines = text.split("\n")
    return [json.loads(line) for line in lines[:-1] if line.strip()]


class RecordingPeerProcess(ManagedProcess):
    """A peer that prints `listening port=N` and writes JSON lines to `record_path`
    (mock Tavily, mock Twilio REST API)."""

    port: int
    record_path: Path

    def wait_listening(self, timeout: float = 10.0) -> int:
        rx = re.compile(r"listening port=(\d+)")
        wait_until(lambda: rx.search(self.stdout()) or not self.alive(), timeout)
        m = rx.search(self.stdout())
        if not m:
            raise AssertionError(f"{self.name} did not start\n{self.report()}")
        self.port = int(m.group(1))
        return self.port

    def all_records(self) -> list[dict[str, Any]]:
        if not self.record_path.exists():
            return []
        return complete_json_lines(self.record_path.read_text())

    def report(self) -> str:
        text = self.record_path.read_text() if self.record_path.exists() else ""
        return super().report() + f"--- records ---\n{text[-20000:]}"


class MockProcess(ManagedProcess):
    """Tests/peers/mock_provider.py; its records are read back from the --record file."""

    port: int
    record_path: Path

    def wait_listening(self, timeout: float = 10.0) -> int:
        rx = re.compile(r"listening port=(\d+)")
        m = wait_until(lambda: rx.search(self.stdout()) or not self.alive(), timeout)
        m = rx.search(self.stdout())
        if not m:
            raise AssertionError(f"mock provider did not start\n{self.report()}")
        self.port = int(m.group(1))
        return self.port

    def records(self) -> list[dict[str, Any]]:
        if not self.record_path.exists():
            return []
        return complete_json_lines(self.record_path.read_text())

    def handshakes(self) -> list[dict[str, Any]]:
        return [r for r in self.records() if r["kind"] == "handshake"]

    def client_events(self, conn: int | None = None) -> list[dict[str, Any]]:
        return [r["event"] for r in self.records()
                if r["kind"] == "event" and "event" in r and conn in (None, r["conn"])]

    def sent_events(self, conn: int | None = None) -> list[dict[str, Any]]:
        return [r["event"] for r in self.records()
                if r["kind"] == "sent" and conn in (None, r["conn"])]

    def closed(self, conn: int) -> dict[str, Any] | None:
        return next((r for r in self.records() if r["kind"] == "closed" and r["conn"] == conn),
                    None)

    def wait_closed(self, conn: int, timeout: float) -> dict[str, Any] | None:
        return wait_until(lambda: self.closed(conn), timeout)

    def wait_handshakes(self, n: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        wait_until(lambda: len(self.handshakes()) >= n, timeout)
        return self.handshakes()

    def report(self) -> str:
        records = self.record_path.read_text() if self.record_path.exists() else ""
        if len(records) > 20000:
            records = records[:10000] + "\n…\n" + records[-10000:]
        return super().report() + f"--- records ---\n{records}"


def run(coro: Awaitable[T], timeout: float = 60.0) -> T:
    """Runs one asyncio scenario from a synchronous test, bounded in time."""
    return asyncio.run(asyncio.wait_for(coro, timeout))  # type: ignore[arg-type]


def openai_env(mock: MockProcess, pki: "TestPKI", **extra: str) -> dict[str, str]:
    env = {"OPENAI_API_KEY": OPENAI_KEY, "OPENAI_BASE_URL": f"https://localhost:{mock.port}/v1",
           "SSL_CERT_FILE": str(pki.ca), "PUBLIC_URL": "https://example.ngrok.app"}
    env.update(extra)
    return env


def azure_env(mock: MockProcess, pki: "TestPKI", *, endpoint: str | None = None,
              **extra: str) -> dict[str, str]:
    env = {"USE_AZURE_OPENAI": "true", "AZURE_OPENAI_API_KEY": AZURE_KEY,
           "AZURE_OPENAI_ENDPOINT": endpoint or f"https://localhost:{mock.port}",
           "AZURE_OPENAI_DEPLOYMENT": "gpt-realtime-dep", "SSL_CERT_FILE": str(pki.ca),
           "PUBLIC_URL": "https://example.ngrok.app"}
    env.update(extra)
    return env


def caller_audio(seed: int, frames: int, frame_bytes: int = 160) -> bytes:
    """Deterministic pseudo-random μ-law bytes: every call's audio is unique and traceable."""
    return random.Random(seed).randbytes(frames * frame_bytes)


def first_append(types: list[str]) -> int:
    """Index of the first input_audio_buffer.append in a list of event types (len if none)."""
    return (types.index("input_audio_buffer.append") if "input_audio_buffer.append" in types
            else len(types))


def first_difference(actual: bytes, expected: bytes) -> str:
    """A readable account of where two byte strings part ways ('' when equal)."""
    if actual == expected:
        return ""
    n = next((i for i, (a, b) in enumerate(zip(actual, expected, strict=False)) if a != b),
             min(len(actual), len(expected)))
    return (f"got {len(actual)} bytes, expected {len(expected)}; first difference at byte {n}: "
            f"got {actual[n:n + 8].hex() or 'end'}, expected {expected[n:n + 8].hex() or 'end'}")


async def echo_call(ws_url: str, audio: bytes, expected: bytes, *, pace: float = 0.25,
                    stop: bool = True, timeout: float = 10.0, **call_kwargs: Any
                    ) -> FakeTwilioCall:
    """One call through the bridge: send `audio`, wait for `expected` bytes back, stop."""
    call = FakeTwilioCall(ws_url, pace=pace, **call_kwargs)
    await call.connect()
    await call.start()
    await call.send_audio(audio)
    await call.wait_for_audio(len(expected), timeout)
    await asyncio.sleep(0.2)  # anything extra the bridge would send shows up in the check
    if stop and not call.closed.is_set():
        await call.stop()
    return call
