"""MCP servers' tools on a live call: the official Python SDK's server (Tests/peers/mcp_server.py)
over Streamable HTTP, configured in MCP_DIR; the mock provider makes the function calls, a fake
Twilio caller talks.

What is checked is what crosses the wires: the tools the bridge offers in `session.update`, the
function_call_output the provider receives, and the requests the MCP server records (the
initialize handshake, `Mcp-Session-Id`, `MCP-Protocol-Version`, the re-initialize after a 404).
"""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import Any, Callable

import pytest
from harness import (
    BridgeProcess,
    ManagedProcess,
    MockProcess,
    RecordingPeerProcess,
    caller_audio,
    launch_peer,
    openai_env,
    parse_logfmt,
    run,
)

from peers.certs import TestPKI
from peers.fake_twilio import FakeTwilioCall
from peers.mock_provider import GREETING_AUDIO

TOKEN = "mcp-test-Token-7f6e5d4c3b2a"
ORDER_TEXT = "Order 42: shipped, arriving in 2 days."


class MCPServerProcess(RecordingPeerProcess):
    def requests(self, method: str | None = None) -> list[dict[str, Any]]:
        return [r for r in self.all_records() if method in (None, r.get("method"))]


@pytest.fixture
def start_mcp(tmp_path: Path, processes: list[ManagedProcess]) -> Callable[..., MCPServerProcess]:
    counter = iter(range(1, 100))

    def start(*args: str) -> MCPServerProcess:
        return launch_peer(MCPServerProcess, f"mcp{next(counter)}", "mcp_server.py",
                           ["--require-header", f"Authorization:Bearer {TOKEN}", *args], tmp_path, processes)
    return start


def mcp_dir(tmp_path: Path, port: int, name: str = "orders") -> Path:
    directory = tmp_path / "mcp-config"
    directory.mkdir(exist_ok=True)
    (directory / f"{name}.json").write_text(json.dumps({
        "name": name, "url": f"http://127.0.0.1:{port}/mcp",
        "headers": {"Authorization": "Bearer ${ORDERS_MCP_TOKEN}"}, "timeout_ms": 5000}))
    return directory


def env_for(mock: MockProcess, pki: TestPKI, directory: Path) -> dict[str, str]:
    return openai_env(mock, pki, GREETING="", MCP_DIR=str(directory), ORDERS_MCP_TOKEN=TOKEN)


def tool_calls(*calls: tuple[str, dict[str, Any]]) -> list[str]:
    args = ["--tool-call-after", "3"]
    for name, arguments in calls:
        args += ["--tool-call", f"{name}:{json.dumps(arguments)}"]
    return args


def place_call(bridge: BridgeProcess, seed: int, timeout: float = 8.0) -> FakeTwilioCall:
    audio = caller_audio(seed=seed, frames=5)

    async def scenario() -> FakeTwilioCall:
        call = FakeTwilioCall(bridge.ws_url, pace=1.0)
        await call.connect()
        await call.start()
        await call.send_audio(audio)
        assert await call.wait_for_audio(len(audio) + len(GREETING_AUDIO), timeout=timeout), \
            "the model's answer after the tool outputs was never spoken"
        await call.stop()
        return call

    return run(scenario())


def offered(mock: MockProcess, conn: int) -> set[str]:
    update = next(e for e in mock.client_events(conn) if e["type"] == "session.update")
    return {t["name"] for t in update["session"].get("tools", [])}


def outputs(mock: MockProcess, conn: int) -> dict[str, str]:
    """call_id → output of the function_call_outputs the provider received, keyed by tool name."""
    names = {e["call_id"]: e["name"] for e in mock.sent_events(conn)
             if e["type"] == "response.function_call_arguments.done"}
    return {names[e["item"]["call_id"]]: e["item"]["output"] for e in mock.client_events(conn)
            if e["type"] == "conversation.item.create" and e["item"]["type"] == "function_call_output"}


def log_lines(bridge: BridgeProcess, msg: str) -> list[dict[str, str]]:
    return [f for f in map(parse_logfmt, bridge.log_lines()) if f and f.get("msg") == msg]


@pytest.mark.parametrize("mode", ["sse", "json"])
def test_mcp_tools_are_offered_called_and_their_errors_told_to_the_model(
        mode: str, start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        start_mcp: Callable[..., MCPServerProcess], pki: TestPKI, tmp_path: Path) -> None:
    server = start_mcp(*(["--json-response"] if mode == "json" else []))
    mock = start_mock(*tool_calls(("lookup_order", {"order_id": "42"}), ("failing_tool", {}), ("slow_report", {})))
    bridge = start_bridge(env_for(mock, pki, mcp_dir(tmp_path, server.port)))
    place_call(bridge, seed=51)

    # Offered in session.update, with the server's description and input schema.
    update = next(e for e in mock.client_events(1) if e["type"] == "session.update")
    tools = {t["name"]: t for t in update["session"]["tools"]}
    assert set(tools) == {"hang_up", "lookup_order", "slow_report", "failing_tool"}
    assert tools["lookup_order"]["description"] == "Look up an order by its id and say where it is."
    assert tools["lookup_order"]["parameters"]["required"] == ["order_id"]
    assert tools["lookup_order"]["parameters"]["properties"]["order_id"]["type"] == "string"

    # The provider received each tool's answer; the failing one told as an error.
    got = outputs(mock, 1)
    assert got["lookup_order"] == ORDER_TEXT
    assert got["slow_report"] == "Report ready: 17 calls today."
    assert got["failing_tool"].startswith("The tool reported an error:")
    assert "the order database is offline" in got["failing_tool"]

    # The handshake and the calls, as the server saw them.
    records = server.requests()
    methods = [r["method"] for r in records]
    assert methods[:3] == ["initialize", "notifications/initialized", "tools/list"], methods
    init = records[0]
    assert init["session"] is None and init["protocol_version"] is None
    assert init["params"]["protocolVersion"] == "2025-11-25"
    assert init["accept"] == "application/json, text/event-stream"
    session = records[1]["session"]
    assert session, "the SDK issues Mcp-Session-Id and the bridge sends it back"
    assert records[1]["status"] == 202
    calls = server.requests("tools/call")
    assert sorted(c["params"]["name"] for c in calls) == ["failing_tool", "lookup_order", "slow_report"]
    assert next(c for c in calls if c["params"]["name"] == "lookup_order")["params"]["arguments"] == {"order_id": "42"}
    for r in records[1:]:
        assert r["session"] == session and r["protocol_version"] == "2025-11-25"
        assert r["authorization"] == f"Bearer {TOKEN}"
    expected = "application/json" if mode == "json" else "text/event-stream"
    assert all(c["status"] == 200 and c["content_type"].startswith(expected) for c in calls)

    # One log line for the reported error; the header's secret never in the log.
    assert [f["tool"] for f in log_lines(bridge, "MCP tool reported an error")] == ["failing_tool"]
    assert TOKEN not in bridge.stderr()


def test_an_expired_session_is_initialized_again_and_the_call_retried(
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        start_mcp: Callable[..., MCPServerProcess], pki: TestPKI, tmp_path: Path) -> None:
    server = start_mcp("--session-idle-timeout", "1")
    mock = start_mock(*tool_calls(("lookup_order", {"order_id": "42"})))
    bridge = start_bridge(env_for(mock, pki, mcp_dir(tmp_path, server.port)))
    first = server.requests("initialize")
    assert len(first) == 1
    # The SDK ends the idle session; its id then answers 404.
    time.sleep(2.5)
    place_call(bridge, seed=52)

    assert outputs(mock, 1)["lookup_order"] == ORDER_TEXT
    calls = server.requests("tools/call")
    assert [c["status"] for c in calls] == [404, 200]
    assert len(server.requests("initialize")) == 2
    old = server.requests("notifications/initialized")[0]["session"]
    new = server.requests("notifications/initialized")[1]["session"]
    assert calls[0]["session"] == old and calls[1]["session"] == new and old != new
    assert log_lines(bridge, "MCP session expired; initializing a new one")


def test_an_unreachable_server_at_startup_is_a_warning_and_its_tools_come_once_it_answers(
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        start_mcp: Callable[..., MCPServerProcess], pki: TestPKI, tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nothing listens on (yet)
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    mock = start_mock(*tool_calls(("lookup_order", {"order_id": "42"})))
    bridge = start_bridge(env_for(mock, pki, mcp_dir(tmp_path, port)))

    (warning,) = [f for f in map(parse_logfmt, bridge.log_lines())
                  if f and f.get("msg") == "MCP server not available; its tools are not offered until it answers"]
    assert warning["level"] == "warning" and warning["mcp_server"] == "orders"
    assert warning["cause"] == "unreachable"
    assert TOKEN not in bridge.stderr()

    # The call still works: offered only hang_up; the model's call of the missing tool is told so.
    place_call(bridge, seed=53)
    assert offered(mock, 1) == {"hang_up"}
    assert "There is no tool named 'lookup_order'" in outputs(mock, 1)["lookup_order"]

    # The server comes up on that port: the background retry finds it, and the next call gets its tools.
    server = start_mcp("--port", str(port))
    assert bridge.wait_for_log("MCP server answered; its tools are offered to new calls", timeout=10)
    place_call(bridge, seed=54)
    assert {"lookup_order", "slow_report", "failing_tool"} <= offered(mock, 2)
    assert outputs(mock, 2)["lookup_order"] == ORDER_TEXT
    assert server.requests("tools/call")


@pytest.mark.parametrize("content,expected", [
    ({"name": "orders", "url": "https://x.example/mcp", "timeout": 5},
     "orders.json: unknown field 'timeout'; known fields: name, url, headers, allowed_tools, timeout_ms"),
    ({"name": "orders", "url": "https://x.example/mcp", "headers": {"Authorization": "Bearer ${UNSET_MCP_TOKEN}"}},
     "orders.json: headers.Authorization: the environment variable UNSET_MCP_TOKEN is not set"),
    ({"name": "orders", "url": "http://mcp.example.com/mcp"}, "orders.json: url: 'http://mcp.example.com/mcp' uses http:// to a remote host"),
])
def test_a_bad_mcp_file_stops_serve_naming_the_file_and_the_fix(
        content: dict[str, Any], expected: str, run_bridge: Callable[..., Any], tmp_path: Path) -> None:
    directory = tmp_path / "mcp-bad"
    directory.mkdir()
    (directory / "orders.json").write_text(json.dumps(content))
    done = run_bridge("serve", env={"PORT": "0", "MCP_DIR": str(directory)}, timeout=15)
    assert done.returncode == 2, done.stderr
    assert expected in done.stderr
    assert "listening" not in done.stderr
