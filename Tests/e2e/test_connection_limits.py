"""The bridge under more connections than it may hold: over `max_connections` it answers 503 and
closes; when the process runs out of descriptors anyway (a hard `ulimit -n` too small even for
that), accepting pauses instead of spinning; either way it serves again once they are gone."""

from __future__ import annotations

import re
import socket
import time
import urllib.error
import urllib.request
from pathlib import Path

from harness import BridgeProcess, ManagedProcess, bridge_command, clean_env, wait_until


def cpu_seconds(pid: int) -> float:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / 100  # utime + stime, in clock ticks of 10 ms


def healthz(port: int) -> int:
    """The status of GET /healthz (a 503 is an answer too: the bridge may still be releasing the
    connections the test just closed)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def start_limited_bridge(nofile: int, tmp_path: Path, processes: list[ManagedProcess]
                         ) -> BridgeProcess:
    """`voice-bridge serve` (local provider) under a hard `ulimit -n` it cannot raise."""
    cwd = tmp_path / f"limited{nofile}"
    cwd.mkdir()
    cmd = ["prlimit", f"--nofile={nofile}:{nofile}", "--", *bridge_command("serve")]
    bridge = BridgeProcess(f"bridge-nofile{nofile}", cmd, cwd, clean_env(PORT="0"), tmp_path)
    processes.append(bridge)
    bridge.wait_listening()
    return bridge


def hold_connections(port: int, count: int, busy: bool = True) -> list[socket.socket]:
    """`count` connections; `busy` ones are each in the middle of a request (so none is idle and
    may be closed to make room)."""
    held = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        if busy:
            s.sendall(b"GET /healthz HTTP/1.1\r\n")
        held.append(s)
    return held


def test_over_the_limit_connections_get_503_and_the_bridge_recovers(
        binary: Path, tmp_path: Path, processes: list[ManagedProcess]) -> None:
    # Hard limit 96: the bridge cannot raise it, and sizes max_calls (and so max_connections,
    # what the calls leave of it) to fit.
    bridge = start_limited_bridge(96, tmp_path, processes)
    found = re.search(r"max_connections=(\d+)", bridge.stderr())
    assert found, bridge.stderr()
    limit = int(found.group(1))
    assert limit < 96, f"max_connections={limit} does not fit 96 descriptors"
    held = hold_connections(bridge.port, limit)
    time.sleep(0.5)
    try:
        for _ in range(10):
            extra = socket.create_connection(("127.0.0.1", bridge.port), timeout=5)
            extra.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            answer = extra.recv(4096).decode(errors="replace")
            extra.close()
            if answer.startswith("HTTP/1.1 503"):
                break
            # On a loaded machine the bridge may not have read one held connection's bytes yet:
            # it was idle, so it was closed to make room. Hold one more in its place and retry.
            held += hold_connections(bridge.port, 1)
            time.sleep(0.3)
        assert answer.startswith("HTTP/1.1 503"), answer
        assert bridge.wait_for_log(r"too many open connections", timeout=3)
    finally:
        for s in held:
            s.close()
    assert wait_until(lambda: healthz(bridge.port) == 200, timeout=5)


def test_running_out_of_descriptors_pauses_accepting_without_spinning(
        binary: Path, tmp_path: Path, processes: list[ManagedProcess]) -> None:
    # Hard limit 24: one call fits, so max_connections is 18, but descriptors run out first.
    bridge = start_limited_bridge(24, tmp_path, processes)
    pid = bridge.proc.pid
    held = hold_connections(bridge.port, 60)  # the kernel's backlog takes what accept cannot
    try:
        assert bridge.wait_for_log(r"cannot accept connections.*(Too many open files|EMFILE|errno 24)",
                                   timeout=5), bridge.stderr()[-2000:]
        before = cpu_seconds(pid)
        time.sleep(1.0)
        used = cpu_seconds(pid) - before
        assert used < 0.25, f"the bridge used {used:.2f} s of CPU in 1 s while out of descriptors"
        assert bridge.alive()
    finally:
        for s in held:
            s.close()
    assert wait_until(lambda: healthz(bridge.port) == 200, timeout=5)
