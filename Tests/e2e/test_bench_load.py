"""Smoke test of the benchmark's load side (`vb-load`, used by scripts/bench): a few simulated
Twilio calls for a second or two, against its own echo endpoint (the floor) and through a real
bridge to its wss mock provider, with calls at random phases and jitter (the default) or in
millisecond slots. Echo: every tagged frame must come back to the call that sent it. Talk: the
mock speaks in turns, and every frame of audio must reach the other side, both ways."""

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
    assert result["shape"] == "echo"
    assert result["calls_opened"] == calls
    # One frame every 20 ms per call over a one-second window; pacing may lose a frame at the edges.
    assert result["frames_sent"] >= calls * 45
    assert result["frames_returned"] == result["frames_sent"]
    assert result["frames_lost"] == 0 and result["out_of_order"] == 0
    assert 0 < result["rtt_us"]["p50"] <= result["rtt_us"]["max"]
    assert result["marks_echoed"] > 0  # the caller played out what came back and echoed its marks


def test_floor_frames_come_back_from_the_echo_endpoint_at_random_phases(tmp_path: Path) -> None:
    result = run_load(["floor", "--calls", "3", "--seed", "7"], tmp_path / "floor.json")
    assert result["mode"] == "floor"
    assert (result["arrival"], result["seed"], result["jitter_ms"]) == ("random", 7, 2)
    check_round_trips(result, 3)
    # Each send leaves within the jitter of its due time (the pacer is microsecond-precise).
    assert result["send_lag_us"]["p50"] < 2000


def test_floor_slotted_arrival_still_works(tmp_path: Path) -> None:
    result = run_load(["floor", "--calls", "3", "--arrival", "slotted"], tmp_path / "floor.json")
    assert (result["arrival"], result["jitter_ms"]) == ("slotted", 0)
    check_round_trips(result, 3)


def test_talk_needs_the_mock_provider() -> None:
    done = subprocess.run([str(vb_load()), "floor", "--shape", "talk", *TIMING], capture_output=True, text=True,
                          timeout=30, stdin=subprocess.DEVNULL)
    assert done.returncode == 2 and "--shape talk needs bridge mode" in done.stderr


def bridge_run(start_bridge: Callable[..., BridgeProcess], pki: TestPKI, out: Path,
               extra: list[str]) -> tuple[BridgeProcess, dict]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        mock_port = s.getsockname()[1]
    bridge = start_bridge({"OPENAI_API_KEY": "bench", "OPENAI_BASE_URL": f"https://localhost:{mock_port}/v1",
                           "SSL_CERT_FILE": str(pki.ca), "GREETING": "", "PREWARM": "false",
                           "TWILIO_AUTH_TOKEN": "bench-token", "PUBLIC_URL": "bench.example"})
    cert, key = pki.localhost
    # vb-load signs its upgrades as Twilio does, so the bridge's signature check is on the path.
    result = run_load(["bridge", "--url", bridge.ws_url, "--mock-port", str(mock_port),
                       "--cert", str(cert), "--key", str(key), "--bridge-pid", str(bridge.proc.pid),
                       "--auth-token", "bench-token", "--public-host", "bench.example", *extra], out)
    return bridge, result


def test_frames_go_through_the_bridge_and_the_wss_mock(
        start_bridge: Callable[..., BridgeProcess], pki: TestPKI, tmp_path: Path) -> None:
    bridge, result = bridge_run(start_bridge, pki, tmp_path / "bridge.json", ["--calls", "2"])
    assert result["arrival"] == "random"
    check_round_trips(result, 2)
    measured = result["bridge"]
    assert measured["rss_kib"] > 0 and measured["fds"] > measured["fds_idle"]  # two sockets per call
    assert measured["sleeps_per_frame"] > 0
    assert bridge.wait_for_log("call ended", timeout=5)


def test_talk_shape_carries_every_frame_both_ways_in_turns(
        start_bridge: Callable[..., BridgeProcess], pki: TestPKI, tmp_path: Path) -> None:
    # Turns of 150-300 ms, so the run (1.6 s from the first frame to the hang-up) holds several.
    bridge, result = bridge_run(start_bridge, pki, tmp_path / "talk.json",
                                ["--calls", "3", "--shape", "talk", "--turn-ms", "150"])
    assert result["errors"] == []
    assert (result["shape"], result["calls_opened"]) == ("talk", 3)
    talk = result["talk"]
    assert talk["turns"] >= 3 * 2, talk  # each call heard the model at least twice
    # Every caller frame reached the provider, and every frame of the model's audio reached a caller.
    assert talk["caller_frames_sent"] >= 3 * 50
    assert talk["frames_at_provider"] == talk["caller_frames_sent"], talk
    assert talk["provider_frames_sent"] > 0 and talk["frames_at_caller"] == talk["provider_frames_sent"], talk
    assert result["frames_lost"] == 0
    # The model spoke part of the window, not all of it and not none of it.
    assert 0 < result["frames_returned"] < result["frames_sent"], result
    assert result["marks_echoed"] > 0
    assert bridge.wait_for_log("call ended", timeout=5)
