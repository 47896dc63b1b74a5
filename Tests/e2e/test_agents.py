"""Agents as configuration (`config/agents/*.json`): the called number picks the agent at the
webhook, the signed stream token carries it, the call runs with the agent's persona, greeting,
voice and tools; SIGHUP reloads the files (a bad file keeps the old agents); `serve` and `check`
name a bad file, line and column."""

from __future__ import annotations

import asyncio
import json
import signal
import urllib.request
from pathlib import Path
from typing import Any, Callable

import pytest
from harness import BridgeProcess, MockProcess, openai_env, parse_logfmt, run, wait_until
from test_http_twiml import stream_of
from test_twilio_signatures import STREAM, WEBHOOK, post_form
from websockets.exceptions import InvalidStatus

from peers.certs import TestPKI
from peers.fake_twilio import FakeTwilioCall
from peers.twilio_signing import TOKEN, sign

FRONT_DESK = {"name": "front-desk", "default": True, "numbers": ["+15557650000"],
              "instructions": "You are the FRONT DESK of a small clinic.", "greeting": "Front desk, good morning."}
REMINDERS = {"name": "reminders", "numbers": ["+15557650001"], "instructions": "You are the REMINDER line.",
             "greeting": "This is your appointment reminder.", "voice": "cedar", "tools": ["hang_up"],
             "transcription_language": "sv"}


def write_agents(directory: Path, *agents: dict[str, Any]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for agent in agents:
        (directory / f"{agent['name']}.json").write_text(json.dumps(agent, indent=2))
    return directory


def form(to: str, call_sid: str) -> list[tuple[str, str]]:
    return [("AccountSid", "AC" + "0" * 32), ("CallSid", call_sid), ("From", "+15551230000"), ("To", to),
            ("CallStatus", "ringing")]


def log_lines(bridge: BridgeProcess, msg: str) -> list[dict[str, str]]:
    return [f for f in map(parse_logfmt, bridge.log_lines()) if f and f.get("msg") == msg]


def agent_env(mock: MockProcess, pki: TestPKI, agents: Path, **extra: str) -> dict[str, str]:
    return openai_env(mock, pki, TWILIO_AUTH_TOKEN=TOKEN, TWILIO_VALIDATE_SIGNATURES="", PUBLIC_URL="https://example.ngrok.app",
                      AGENTS_DIR=str(agents), PREWARM="false", **extra)


async def signed_call(bridge: BridgeProcess, call_sid: str, params: dict[str, str]) -> FakeTwilioCall:
    call = FakeTwilioCall(bridge.ws_url, call_sid=call_sid, custom_parameters=params,
                          headers={"X-Twilio-Signature": sign(STREAM)})
    await call.connect()
    await call.start()
    await call.wait_for_audio(1, timeout=5)
    await call.stop()
    return call


def test_the_called_number_picks_the_agent_and_the_stream_token_carries_it(
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        pki: TestPKI, tmp_path: Path) -> None:
    mock = start_mock()
    bridge = start_bridge(agent_env(mock, pki, write_agents(tmp_path / "agents", FRONT_DESK, REMINDERS)))
    listening = log_lines(bridge, "listening")[0]
    assert listening["agents"] == "front-desk (+15557650000, default); reminders (+15557650001)"

    sid = "CA" + "2" * 32
    status, twiml = post_form(bridge, form("+15557650001", sid), sign(WEBHOOK, form("+15557650001", sid)))
    assert status == 200, twiml
    _, params = stream_of(twiml)
    assert params["agent"] == "reminders"
    run(signed_call(bridge, sid, params))

    update = mock.client_events(1)[0]
    assert update["type"] == "session.update"
    session = update["session"]
    assert session["instructions"] == REMINDERS["instructions"]
    assert session["audio"]["output"]["voice"] == "cedar"
    assert [t["name"] for t in session["tools"]] == ["hang_up"]
    assert session["audio"]["input"]["transcription"]["language"] == "sv"
    greeting = next(e for e in mock.client_events(1) if e["type"] == "response.create")
    assert REMINDERS["greeting"] in json.dumps(greeting)
    started = wait_until(lambda: log_lines(bridge, "call started") or None, 5)[0]
    assert started["agent"] == "reminders" and started["call"] == sid

    # Another number, the default agent; its own persona.
    sid2 = "CA" + "3" * 32
    status, twiml = post_form(bridge, form("+15559999999", sid2), sign(WEBHOOK, form("+15559999999", sid2)))
    _, params = stream_of(twiml)
    assert params["agent"] == "front-desk"
    run(signed_call(bridge, sid2, params))
    assert mock.client_events(2)[0]["session"]["instructions"] == FRONT_DESK["instructions"]

    # The stream cannot choose its agent: the token covers the parameter.
    sid3 = "CA" + "4" * 32
    status, twiml = post_form(bridge, form("+15557650000", sid3), sign(WEBHOOK, form("+15557650000", sid3)))
    _, params = stream_of(twiml)
    params["agent"] = "reminders"

    async def tampered() -> FakeTwilioCall:
        call = FakeTwilioCall(bridge.ws_url, call_sid=sid3, custom_parameters=params,
                              headers={"X-Twilio-Signature": sign(STREAM)})
        await call.connect()
        await call.start()
        await call.closed.wait()
        return call

    call = run(tampered())
    assert call.close_code == 1008
    assert len(mock.handshakes()) == 2, "a tampered stream never reaches the model"


def test_sighup_reloads_the_agents_and_a_bad_file_keeps_the_previous_ones(
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        pki: TestPKI, tmp_path: Path) -> None:
    mock = start_mock()
    agents = write_agents(tmp_path / "agents", FRONT_DESK)
    tools = tmp_path / "tools"
    tools.mkdir()
    bridge = start_bridge(agent_env(mock, pki, agents, TOOLS_DIR=str(tools)))
    sid = "CA" + "5" * 32

    def agent_for(to: str) -> str:
        status, twiml = post_form(bridge, form(to, sid), sign(WEBHOOK, form(to, sid)))
        assert status == 200, twiml
        return stream_of(twiml)[1]["agent"]

    assert agent_for("+15557650001") == "front-desk"
    write_agents(agents, REMINDERS)
    bridge.proc.send_signal(signal.SIGHUP)
    assert bridge.wait_for_log(r"configuration reloaded", 5)
    assert agent_for("+15557650001") == "reminders"

    (agents / "broken.json").write_text('{\n  "name": "broken",\n  "greeting": "hi"\n  "voice": "x"\n}\n')
    bridge.proc.send_signal(signal.SIGHUP)
    line = bridge.wait_for_log(r"configuration not reloaded", 5)
    assert line and "broken.json: line 4, column 3" in line, line
    assert agent_for("+15557650001") == "reminders", "the previous agents stay"
    with urllib.request.urlopen(f"{bridge.http_url}/metrics", timeout=5) as response:
        metrics = response.read().decode()
    assert 'voice_bridge_config_reloads_total{result="ok"} 1' in metrics
    assert 'voice_bridge_config_reloads_total{result="failed"} 1' in metrics

    # A tool file added, the broken agent fixed: the next reload offers the tool to new calls.
    (agents / "broken.json").unlink()
    (tools / "lookup.json").write_text(json.dumps({
        "name": "lookup_booking", "description": "Find a booking.",
        "parameters": {"type": "object", "properties": {"ref": {"type": "string"}}, "required": ["ref"]},
        "request": {"method": "GET", "url": "http://127.0.0.1:9/bookings/{ref}"}}))
    bridge.proc.send_signal(signal.SIGHUP)
    assert wait_until(lambda: len([ln for ln in bridge.log_lines() if "configuration reloaded" in ln]) >= 2, 5)
    status, twiml = post_form(bridge, form("+15557650000", sid), sign(WEBHOOK, form("+15557650000", sid)))
    run(signed_call(bridge, sid, stream_of(twiml)[1]))
    update = mock.client_events(1)[0]
    assert "lookup_booking" in [t["name"] for t in update["session"]["tools"]]


def test_a_bad_agent_file_stops_serve_and_fails_check(run_bridge: Callable[..., Any], tmp_path: Path) -> None:
    agents = write_agents(tmp_path / "agents", FRONT_DESK)
    (agents / "sales.json").write_text(json.dumps({"name": "sales", "greting": "Hi"}))
    done = run_bridge("serve", env={"AGENTS_DIR": str(agents)})
    assert done.returncode == 2
    assert f"{agents}/sales.json: unknown field 'greting'; known fields: name, default" in done.stderr

    done = run_bridge("check", env={"AGENTS_DIR": str(agents)})
    assert done.returncode == 1
    assert "✘ agents: file" in done.stdout and "unknown field 'greting'" in done.stdout

    (agents / "sales.json").write_text(json.dumps({"name": "sales", "numbers": ["+15557650009"], "tools": ["teleport"]}))
    done = run_bridge("check", env={"AGENTS_DIR": str(agents)})
    assert "'tools' names 'teleport', which this bridge does not offer; offered: hang_up" in done.stdout

    (agents / "sales.json").write_text(json.dumps({"name": "sales", "numbers": ["+15557650009"], "tools": ["hang_up"]}))
    done = run_bridge("check", env={"AGENTS_DIR": str(agents)})
    assert "✔ agent front-desk: valid — answers +15557650000; the default; tools: hang_up" in done.stdout, done.stdout
    assert "✔ agent sales: valid — answers +15557650009; tools: hang_up" in done.stdout


def test_the_local_parrot_calls_a_tool_on_a_key_press_so_the_tool_path_runs_without_keys(
        start_bridge: Callable[..., BridgeProcess]) -> None:
    bridge = start_bridge({"LOCAL_TOOL_CALLS": "9=hang_up:{}", "GREETING": ""})

    async def scenario() -> FakeTwilioCall:
        call = FakeTwilioCall(bridge.ws_url, pace=1.0)
        await call.connect()
        await call.start()
        await call.send_audio(bytes([0xFF]) * 160 * 10)
        await call.send_dtmf("9")
        await call.send_audio(bytes([0xFF]) * 160 * 100)  # the line goes on until the bridge hangs up
        await asyncio.wait_for(call.closed.wait(), 10)
        return call

    call = run(scenario(), timeout=20)
    assert call.closed_by_bridge and call.close_code == 1000
    assert call.media_chunks, "the goodbye (the parrot's chime) played before the hang-up"
    assert bridge.wait_for_log(r'msg="tool called".*tool=hang_up', 2)
    assert bridge.wait_for_log(r'msg="assistant ended the call"', 2)


def test_local_tool_calls_must_be_key_tool_and_json(run_bridge: Callable[..., Any]) -> None:
    done = run_bridge("serve", env={"LOCAL_TOOL_CALLS": "1=lookup"})
    assert done.returncode == 2
    assert "LOCAL_TOOL_CALLS" in done.stderr and "KEY=TOOL:{JSON}" in done.stderr


def test_an_agent_with_its_own_azure_deployments_or_provider(
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        pki: TestPKI, tmp_path: Path) -> None:
    from harness import azure_env
    from test_twilio_signatures import post_form as post
    mock = start_mock()
    agents = write_agents(tmp_path / "agents", FRONT_DESK,
                          {"name": "sales", "numbers": ["+15557650002"], "deployments": ["sales-realtime"]},
                          {"name": "lab", "numbers": ["+15557650003"], "provider": "openai", "model": "gpt-realtime-2.1-mini"})
    env = azure_env(mock, pki, AGENTS_DIR=str(agents), PREWARM="false", OPENAI_API_KEY="sk-test-agent-Key-1",
                    OPENAI_BASE_URL=f"https://localhost:{mock.port}/v1", FALLBACK_TO_OPENAI="false")
    bridge = start_bridge(env)
    for n, (to, path, query) in enumerate([("+15557650002", "/openai/v1/realtime", "model=sales-realtime"),
                                           ("+15557650003", "/v1/realtime", "model=gpt-realtime-2.1-mini"),
                                           ("+15557650000", "/openai/v1/realtime", "model=gpt-realtime-dep")], start=1):
        sid = f"CA{n:032d}"
        status, twiml = post(bridge, form(to, sid), None)
        assert status == 200, twiml
        params = stream_of(twiml)[1]

        async def call(params: dict[str, str] = params, sid: str = sid) -> FakeTwilioCall:
            c = FakeTwilioCall(bridge.ws_url, call_sid=sid, custom_parameters=params)
            await c.connect()
            await c.start()
            await c.wait_for_audio(1, timeout=5)
            await c.stop()
            return c

        run(call())
        handshake = mock.wait_handshakes(n)[n - 1]
        assert (handshake["path"], handshake["query"]) == (path, query), handshake
