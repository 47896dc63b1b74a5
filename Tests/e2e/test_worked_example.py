"""README "A worked example": the clinic of examples/clinic (two agents on two numbers, an HTTP
tool, an MCP server, a transfer target) runs on this machine with no keys — the parrot calls the
tools when the caller presses keys — and `check` accepts its files."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable

from harness import REPO_ROOT, BridgeProcess, ManagedProcess, parse_logfmt, wait_until

CLINIC = REPO_ROOT / "examples" / "clinic"
ENV = {"AGENTS_DIR": str(CLINIC / "agents"), "TOOLS_DIR": str(CLINIC / "tools"), "MCP_DIR": str(CLINIC / "mcp"),
       "CLINIC_API_KEY": "clinic-demo-Key-1234",
       "LOCAL_TOOL_CALLS": '1=lookup_appointment:{"phone":"+46701234567"}|2=lookup_order:{"order_id":"A-17"}|9=hang_up:{}'}


def test_the_clinic_runs_without_keys_and_its_tools_answer(
        start_bridge: Callable[..., BridgeProcess], run_bridge: Callable[..., Any], processes: list[ManagedProcess],
        tmp_path: Path) -> None:
    """The README's commands, with the test's own processes."""
    # The example's files name fixed ports (8091, 8092), as examples/clinic/run.sh starts them.
    business = ManagedProcess("clinic_api_8091", [sys.executable, str(REPO_ROOT / "Tests/peers/mock_business_api.py"), "--plain",
                                                  "--port", "8091", "--record", str(tmp_path / "api.jsonl")],
                              tmp_path, None, tmp_path)
    shop = ManagedProcess("clinic_mcp_8092", [sys.executable, str(REPO_ROOT / "Tests/peers/mcp_server.py"), "--port", "8092"],
                          tmp_path, None, tmp_path)
    processes += [business, shop]
    assert wait_until(lambda: "listening" in business.stdout() and "listening" in shop.stdout(), 15)

    bridge = start_bridge(ENV)
    listening = [f for f in map(parse_logfmt, bridge.log_lines()) if f and f.get("msg") == "listening"][0]
    assert listening["agents"] == "front-desk (+46101234567, default); reminders (+46101234568)"
    wav = tmp_path / "caller.wav"
    wav.write_bytes(_ulaw_wav(bytes([0xFF]) * 8000 * 3))
    done = run_bridge("simulate", "--wav", str(wav), "--out", str(tmp_path / "reply.wav"), "--url", bridge.ws_url,
                      "--param", "agent=front-desk", "--dtmf", "1@500", "--dtmf", "2@1500", "--linger-ms", "1500", timeout=40)
    assert done.returncode == 0, done.stderr
    answered = [f for f in map(parse_logfmt, bridge.log_lines()) if f and f.get("msg") == "tool answered"]
    assert {f["tool"] for f in answered} == {"lookup_appointment", "lookup_order"}, bridge.stderr()
    requests = [line for line in (tmp_path / "api.jsonl").read_text().splitlines() if '"kind": "request"' in line or '"kind":"request"' in line]
    assert len(requests) == 1 and "%2B46701234567" in requests[0] and "clinic-demo-Key-1234" in requests[0]
    assert "clinic-demo-Key-1234" not in bridge.stdout() + bridge.stderr(), "the key is a secret"

    check = run_bridge("check", env=ENV, timeout=30)
    assert "✔ agent front-desk: valid" in check.stdout and "✔ agent reminders: valid" in check.stdout, check.stdout
    assert "✔ MCP shop: initialize + tools/list — " in check.stdout and "lookup_order" in check.stdout, check.stdout
    assert "✔ tool file " in check.stdout


def _ulaw_wav(audio: bytes) -> bytes:
    header = b"RIFF" + (50 + len(audio)).to_bytes(4, "little") + b"WAVE"
    fmt = (b"fmt " + (18).to_bytes(4, "little") + (7).to_bytes(2, "little") + (1).to_bytes(2, "little")
           + (8000).to_bytes(4, "little") + (8000).to_bytes(4, "little") + (1).to_bytes(2, "little")
           + (8).to_bytes(2, "little") + (0).to_bytes(2, "little"))
    fact = b"fact" + (4).to_bytes(4, "little") + len(audio).to_bytes(4, "little")
    return header + fmt + fact + b"data" + len(audio).to_bytes(4, "little") + audio
