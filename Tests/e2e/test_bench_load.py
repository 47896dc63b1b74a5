"""Smoke test of the benchmark's load side (`vb-load`, used by scripts/bench): a few simulated
Twilio calls for one second, against its own echo endpoint (the floor) and through a real bridge
to its wss mock provider. Every tagged frame must come back to the call that sent it."""

from __future__ import annotations

import json
import socket
import subprocess
from pathlib import Path
from typing import Callable

import pytest

from harness import BridgeProcess, bridge_binary

from peers.certs import TestPKI

TIMING = ["--seconds", "1", "--warmup-ms", "300", "--ramp-ms", "10", "--drain-ms", "300", "--settle-ms", "200"]


def vb_load() -> Path:
    path = bridge_binary().parent / "vb-load"
    if not path.exists():
        pytest.fail(f"vb-load not found at {path}: run `swift build` (or `swift build --product vb-load`)",
                    pytrace=False)
    return path


def run_load(args: list[str], out: Path) -> dict:
    done = subprocess.run([str(vb_load()), *args, *TIMING, "--json", str(out)], capture_output=True,
                          text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    return json.loads(out.read_text())


def check_round_trips(result: dict, calls: int) -> None:
    assert result["errors"] == []
    assert result["calls_opened"] == calls
    # One frame every 20 ms per call over a one-second window; pacing may lose a frame at the edges.
    assert result["frames_sent"] >= calls * 45
    assert result["frames_returned"] == result["frames_sent"]
    assert result["frames_lost"] == 0 and result["out_of_order"] == 0
    assert 0 < result["rtt_us"]["p50"] <= result["rtt_us"]["max"]
    assert result["marks_echoed"] > 0  # the caller played out what came back and echoed its marks


def test_floor_frames_come_back_from_the_echo_endpoint(tmp_path: Path) -> None:
    result = run_load(["floor", "--calls", "3"], tmp_path / "floor.json")
    assert result["mode"] == "floor"
    check_round_trips(result, 3)


def test_frames_go_through_the_bridge_and_the_wss_mock(
        start_bridge: Callable[..., BridgeProcess], pki: TestPKI, tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        mock_port = s.getsockname()[1]
    bridge = start_bridge({"OPENAI_API_KEY": "bench", "OPENAI_BASE_URL": f"https://localhost:{mock_port}/v1",
                           "SSL_CERT_FILE": str(pki.ca), "GREETING": "", "PREWARM": "false",
                           "TWILIO_AUTH_TOKEN": "bench-token", "PUBLIC_URL": "bench.example"})
    cert, key = pki.localhost
    # vb-load signs its upgrades as Twilio does, so the bridge's signature check is on the path.
    result = run_load(["bridge", "--calls", "2", "--url", bridge.ws_url, "--mock-port", str(mock_port),
                       "--cert", str(cert), "--key", str(key), "--bridge-pid", str(bridge.proc.pid),
                       "--auth-token", "bench-token", "--public-host", "bench.example"],
                      tmp_path / "bridge.json")
    check_round_trips(result, 2)
    measured = result["bridge"]
    assert measured["rss_kib"] > 0 and measured["fds"] > measured["fds_idle"]  # two sockets per call
    assert bridge.wait_for_log("call ended", timeout=5)
