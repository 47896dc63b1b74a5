"""HTTP tools defined by files (TOOLS_DIR/*.json) on a live call.

The mock provider calls the tool (`--tool-call lookup_appointment:{…}`), the bridge validates
the arguments against the file's `parameters`, sends the file's request over HTTPS to a mock
business API (`Tests/peers/mock_business_api.py`), and gives the model the kept fields, bounded.
The header's secret comes from `${CLINIC_API_KEY}`, set only in `.env`, and must never be logged.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
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

CLINIC_KEY = "clinic-Secret-5e4d3c2b1a"
PHONE = "+46 70/123 45"  # a space and a slash: both must be percent-encoded in the path
MAX_BYTES = 600


def lookup_tool(port: int, timeout_ms: int = 5000) -> dict[str, Any]:
    return {
        "name": "lookup_appointment",
        "description": "Find the caller's next appointment by phone number.",
        "parameters": {
            "type": "object",
            "properties": {"phone": {"type": "string", "minLength": 7, "description": "The caller's phone number"},
                           "day": {"type": "string", "description": "YYYY-MM-DD"}},
            "required": ["phone"],
            "additionalProperties": False,
        },
        "request": {"method": "GET",
                    "url": f"https://localhost:{port}/v1/patients/{{phone}}/appointments?day={{day}}",
                    "headers": {"Authorization": "Bearer ${CLINIC_API_KEY}", "X-Tenant": "north"}},
        "timeout_ms": timeout_ms,
        "response": {"max_bytes": MAX_BYTES,
                     "keep": ["/appointment/time", "/appointment/doctor", "/appointment/notes"]},
    }


def book_tool(port: int) -> dict[str, Any]:
    return {
        "name": "book_appointment",
        "description": "Book an appointment.",
        "parameters": {"type": "object",
                       "properties": {"phone": {"type": "string"}, "party": {"type": "integer", "minimum": 1}},
                       "required": ["phone", "party"]},
        "request": {"method": "POST", "url": f"https://localhost:{port}/v1/bookings",
                    "headers": {"Authorization": "Bearer ${CLINIC_API_KEY}"},
                    "body": {"patient": {"phone": "{phone}"}, "seats": "{party}", "source": "phone call {phone}"}},
        "response": {"keep": ["/appointment/time"]},
    }


class BusinessAPI(RecordingPeerProcess):
    def records(self, kind: str | None = None) -> list[dict[str, Any]]:
        return [r for r in self.all_records() if kind in (None, r["kind"])]


@pytest.fixture
def start_api(pki: TestPKI, tmp_path: Path, processes: list[ManagedProcess]) -> Callable[..., BusinessAPI]:
    counter = iter(range(1, 100))

    def start(*args: str) -> BusinessAPI:
        cert, key = pki.localhost
        return launch_peer(BusinessAPI, f"api{next(counter)}", "mock_business_api.py",
                           ["--cert", str(cert), "--key", str(key), *args], tmp_path, processes)
    return start


def tools_dir(tmp_path: Path, *tools: dict[str, Any]) -> Path:
    directory = tmp_path / "tools"
    directory.mkdir(exist_ok=True)
    for tool in tools:
        (directory / f"{tool['name']}.json").write_text(json.dumps(tool, indent=2))
    return directory


def bridge_env(mock: MockProcess, pki: TestPKI, directory: Path, **extra: str) -> dict[str, str]:
    return openai_env(mock, pki, GREETING="", TOOLS_DIR=str(directory), **extra)


def tool_calls(*calls: tuple[str, dict[str, Any]], after: int = 3) -> list[str]:
    args = ["--timestamps", "--tool-call-after", str(after)]
    for name, arguments in calls:
        args += ["--tool-call", f"{name}:{json.dumps(arguments)}"]
    return args


def outputs(mock: MockProcess, conn: int) -> list[dict[str, Any]]:
    return [e["item"] for e in mock.client_events(conn)
            if e["type"] == "conversation.item.create" and e["item"]["type"] == "function_call_output"]


def log_lines(bridge: BridgeProcess, msg: str) -> list[dict[str, str]]:
    return [f for f in map(parse_logfmt, bridge.log_lines()) if f and f.get("msg") == msg]


async def answered_call(bridge: BridgeProcess, mock: MockProcess, conn: int, seed: int) -> None:
    """One phone call that lasts until the tool outputs were sent and a response.create followed."""
    call = FakeTwilioCall(bridge.ws_url, pace=1.0)
    await call.connect()
    await call.start()
    await call.send_audio(caller_audio(seed=seed, frames=5))
    for _ in range(120):
        types = [e["type"] for e in mock.client_events(conn)]
        if "conversation.item.create" in types and "response.create" in types[types.index("conversation.item.create"):]:
            break
        await asyncio.sleep(0.05)
    await call.stop()


def test_http_tools_send_the_files_requests_and_the_model_gets_the_kept_fields_bounded(
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        start_api: Callable[..., BusinessAPI], pki: TestPKI, tmp_path: Path) -> None:
    api = start_api()
    directory = tools_dir(tmp_path, lookup_tool(api.port), book_tool(api.port))
    mock = start_mock(*tool_calls(("lookup_appointment", {"phone": PHONE, "day": "2026-12-07"}),
                                  ("book_appointment", {"phone": PHONE, "party": 2})))
    bridge = start_bridge(bridge_env(mock, pki, directory), dotenv=f"CLINIC_API_KEY={CLINIC_KEY}\n")
    run(answered_call(bridge, mock, 1, seed=61))

    # Offered beside the built-ins, with the file's schema, and named in the start-up line.
    update = mock.client_events(1)[0]
    offered = {t["name"]: t for t in update["session"]["tools"]}
    assert list(offered) == ["hang_up", "book_appointment", "lookup_appointment"]  # files in name order
    assert offered["lookup_appointment"]["parameters"] == lookup_tool(api.port)["parameters"]
    assert offered["lookup_appointment"]["description"] == "Find the caller's next appointment by phone number."
    (started,) = log_lines(bridge, "tools offered to the model")
    assert started["tools"] == "hang_up,book_appointment,lookup_appointment"

    # The exact requests: method, encoded path and query, the secret from .env, the body.
    requests = {r["method"]: r for r in api.records("request")}
    assert set(requests) == {"GET", "POST"}
    get, post = requests["GET"], requests["POST"]
    assert get["target"] == "/v1/patients/%2B46%2070%2F123%2045/appointments?day=2026-12-07"
    assert get["headers"]["authorization"] == f"Bearer {CLINIC_KEY}"
    assert get["headers"]["x-tenant"] == "north"
    assert get["headers"]["accept"] == "application/json"
    assert get["raw"] == ""
    assert post["target"] == "/v1/bookings"
    assert post["headers"]["authorization"] == f"Bearer {CLINIC_KEY}"
    assert post["headers"]["content-type"] == "application/json"
    assert post["body"] == {"patient": {"phone": PHONE}, "seats": 2, "source": f"phone call {PHONE}"}

    # What the model got: the kept fields only, within max_bytes, the cut said.
    call_ids = {e["event"]["name"]: e["event"]["call_id"] for e in
                (r for r in mock.records() if r["kind"] == "sent")
                if e["event"]["type"] == "response.function_call_arguments.done"}
    by_call = {o["call_id"]: o["output"] for o in outputs(mock, 1)}
    lookup = by_call[call_ids["lookup_appointment"]]
    assert len(lookup.encode()) <= MAX_BYTES
    assert lookup.startswith('{"appointment":{"time":"2026-12-07T09:30:00+01:00","doctor":"Dr Lind","notes":"Bring the referral')
    assert "[truncated: the answer was" in lookup
    for hidden in ("internal_id", "APT-99121", "19121212", "Ada Lovelace", "4242"):
        assert hidden not in lookup
    assert json.loads(by_call[call_ids["book_appointment"]]) == {"appointment": {"time": "2026-12-07T09:30:00+01:00"}}
    types = [e["type"] for e in mock.client_events(1)]
    assert types.count("response.create") == 1 and types.index("response.create") > types.index("conversation.item.create")

    # The secret reached the API and nothing else.
    assert CLINIC_KEY not in bridge.stderr() and CLINIC_KEY not in bridge.stdout()
    assert log_lines(bridge, "http tool failed") == []


def test_bad_arguments_are_refused_without_any_request(
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        start_api: Callable[..., BusinessAPI], pki: TestPKI, tmp_path: Path) -> None:
    api = start_api()
    directory = tools_dir(tmp_path, lookup_tool(api.port))
    mock = start_mock(*tool_calls(("lookup_appointment", {"phone": "123", "email": "a@b.example"})))
    bridge = start_bridge(bridge_env(mock, pki, directory, CLINIC_API_KEY=CLINIC_KEY))
    run(answered_call(bridge, mock, 1, seed=62))

    (output,) = outputs(mock, 1)
    assert output["output"] == (
        "lookup_appointment was not called: 'phone' must be at least 7 characters long (got 3); "
        "'email' is not an allowed field (allowed: phone, day). Nothing was sent. "
        "Fix the arguments (ask the caller if you need to) and call lookup_appointment again.")
    assert api.records("request") == [], "no request for refused arguments"
    assert [e["type"] for e in mock.client_events(1)].count("response.create") == 1, "the model gets to ask again"
    (refused,) = log_lines(bridge, "http tool refused its arguments")
    assert refused["problems"] == "phone:minLength,email:additionalProperties"


@pytest.mark.parametrize("script,cause,status,reason", [
    ("500", "http_error", "500", "the service answered HTTP 500"),
    ("hang", "timed_out", None, "no answer within 800 ms"),
])
def test_a_failing_api_is_told_to_the_model_and_the_call_goes_on(
        script: str, cause: str, status: str | None, reason: str,
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        start_api: Callable[..., BusinessAPI], pki: TestPKI, tmp_path: Path) -> None:
    api = start_api("--script", script, "--sleep-ms", "3000")
    directory = tools_dir(tmp_path, lookup_tool(api.port, timeout_ms=800))
    mock = start_mock(*tool_calls(("lookup_appointment", {"phone": PHONE})))
    bridge = start_bridge(bridge_env(mock, pki, directory, CLINIC_API_KEY=CLINIC_KEY))
    run(answered_call(bridge, mock, 1, seed=63))

    (output,) = outputs(mock, 1)
    assert output["output"] == (f"The lookup_appointment tool is unavailable right now ({reason}). Tell the caller "
                                "you cannot look that up at the moment; do not guess the answer.")
    assert len(api.records("request")) == 1, "no retry while the caller waits"
    types = [e["type"] for e in mock.client_events(1)]
    assert types.count("response.create") == 1, "the model gets to say it"
    (failed,) = log_lines(bridge, "http tool failed")
    assert failed["tool"] == "lookup_appointment" and failed["cause"] == cause and failed.get("status") == status
    assert failed.get("call"), "the line names its call"
    if status == "500":
        # The API echoed the token in its error body: registered as a secret, it is masked.
        assert '"seen": "[REDACTED]"' in failed["error"], failed
    assert CLINIC_KEY not in bridge.stderr()
    assert bridge.alive(), "a failing tool ends nothing but its request"


@pytest.mark.parametrize("edit,expected", [
    (lambda t: t | {"timeout": 100}, "unknown field 'timeout'; known fields: name, description, parameters"),
    (lambda t: t | {"request": t["request"] | {"headers": {"Authorization": "Bearer ${NOT_SET_ANYWHERE}"}}},
     "request.headers.Authorization uses ${NOT_SET_ANYWHERE}, which is not set"),
    (lambda t: t | {"request": t["request"] | {"url": "http://api.example.com/x"}}, "uses http:// to a remote host"),
])
def test_a_bad_tool_file_stops_serve_with_exit_2_naming_the_file(
        edit: Callable[[dict[str, Any]], dict[str, Any]], expected: str,
        run_bridge: Callable[..., subprocess.CompletedProcess[str]], tmp_path: Path) -> None:
    directory = tools_dir(tmp_path)
    (directory / "lookup.json").write_text(json.dumps(edit(lookup_tool(9))))
    done = run_bridge("serve", env={"PORT": "0", "TOOLS_DIR": str(directory), "CLINIC_API_KEY": CLINIC_KEY})
    assert done.returncode == 2, done.stderr
    assert f"{directory}/lookup.json: " in done.stderr and expected in done.stderr, done.stderr
    assert "listening" not in done.stderr


def test_check_prints_a_line_per_tool_file(
        run_bridge: Callable[..., subprocess.CompletedProcess[str]], tmp_path: Path) -> None:
    directory = tools_dir(tmp_path, lookup_tool(9))
    (directory / "broken.json").write_text('{"name": "x",\n "description": }')
    (directory / "notes.json.example").write_text("not read")
    done = run_bridge("check", env={"TOOLS_DIR": str(directory), "CLINIC_API_KEY": CLINIC_KEY})
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert f"✘ tool file {directory}/broken.json: valid: line 2, column 17: " in "\n".join(lines), lines
    assert f"✔ tool file {directory}/lookup_appointment.json: valid — lookup_appointment: GET https://localhost:9" in lines
    assert not any("notes.json.example" in line for line in lines)
    assert CLINIC_KEY not in done.stdout + done.stderr
