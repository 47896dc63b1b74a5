"""Self-tests of the peers' tool parts: the mock provider's scripted function calls (checked
against the official SDK's event models) and the mock Tavily."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import connect

from peers.certs import TestPKI, make_test_pki
from peers.mock_provider import GREETING_AUDIO, MockOptions, MockProvider
from peers.realtime_schema import beta_unavailable_reason, check_events

PEERS = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPKI:
    return make_test_pki(tmp_path_factory.mktemp("pki"))


async def recv_until(ws: Any, kind: str, timeout: float = 3.0) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    while True:
        out.append(json.loads(await asyncio.wait_for(ws.recv(), timeout)))
        if out[-1]["type"] == kind:
            return out


@pytest.mark.parametrize("beta", [False, True])
def test_scripted_function_calls_follow_the_service(beta: bool) -> None:
    if beta and beta_unavailable_reason():
        pytest.skip(beta_unavailable_reason())
    calls = [("web_search", '{"query":"tides"}'), ("hang_up", "{}")]

    async def scenario() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        mock = MockProvider(MockOptions(plain=True, tool_calls=calls, tool_call_after=2,
                                        tool_call_audio_bytes=800))
        port = await mock.start()
        headers = {"OpenAI-Beta": "realtime=v1"} if beta else {}
        async with connect(f"ws://127.0.0.1:{port}/v1/realtime", additional_headers=headers) as ws:
            await recv_until(ws, "session.created")
            for _ in range(2):
                await ws.send(json.dumps({"type": "input_audio_buffer.append", "audio": "AAAA"}))
            got = await recv_until(ws, "response.done")
            call_ids = [e["call_id"] for e in got if e["type"] == "response.function_call_arguments.done"]
            for call_id in call_ids:
                await ws.send(json.dumps({"type": "conversation.item.create", "item": {
                    "type": "function_call_output", "call_id": call_id, "output": "done"}}))
            await ws.send(json.dumps({"type": "response.create"}))
            after = await recv_until(ws, "response.done")
        await mock.close()
        return got, after

    got, after = run(scenario())
    args_done = [e for e in got if e["type"] == "response.function_call_arguments.done"]
    assert [e["arguments"] for e in args_done] == [a for _, a in calls]
    # Beta leaves the name off (clients join it on item_id); GA's SDK model requires it.
    assert [e.get("name") for e in args_done] == ([None, None] if beta else ["web_search", "hang_up"])
    added = {e["item"]["id"]: e["item"] for e in got if e["type"] == "response.output_item.added"}
    assert [added[e["item_id"]]["name"] for e in args_done] == ["web_search", "hang_up"]
    delta = "response.audio.delta" if beta else "response.output_audio.delta"
    first_call = next(i for i, e in enumerate(got) if e["type"] == "response.function_call_arguments.done")
    assert any(e["type"] == delta for e in got[:first_call]), "the goodbye audio comes first"
    done = got[-1]["response"]
    assert [o["type"] for o in done["output"]] == ["message", "function_call", "function_call"]
    acks = "conversation.item.created" if beta else "conversation.item.added"
    assert sum(e["type"] == acks for e in after) == 2
    assert any(e["type"] == delta for e in after)
    assert check_events(got + after, "beta" if beta else "ga", "server") == []


def test_mock_tavily_answers_scripts_and_notices_a_client_that_gives_up(pki: TestPKI, tmp_path: Path) -> None:
    record = tmp_path / "tavily.jsonl"
    proc = subprocess.Popen([sys.executable, str(PEERS / "mock_tavily.py"), "--port", "0",
                             "--cert", str(pki.localhost[0]), "--key", str(pki.localhost[1]),
                             "--api-key", "tvly-k", "--script", "ok,432,badjson,sleep",
                             "--sleep-ms", "5000", "--record", str(record)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        m = re.match(r"listening port=(\d+)", proc.stdout.readline())
        assert m, proc.stderr.read() if proc.stderr else ""
        url = f"https://localhost:{m.group(1)}/search"
        ctx = ssl.create_default_context(cafile=str(pki.ca))

        def post(key: str = "tvly-k", timeout: float = 5) -> tuple[int, bytes]:
            req = urllib.request.Request(url, data=json.dumps({"query": "tide times"}).encode(),
                                         headers={"Authorization": f"Bearer {key}",
                                                  "Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(req, context=ctx, timeout=timeout) as r:
                    return r.status, r.read()
            except urllib.error.HTTPError as e:
                return e.code, e.read()

        status, body = post()
        assert status == 200
        answer = json.loads(body)
        assert answer["answer"] == "Mock answer about tide times."
        assert answer["results"][0]["url"] == "https://example.org/tide-times"
        status, body = post()
        assert status == 432 and "limit" in json.loads(body)["detail"]["error"]
        assert post()[0] == 200 and post(key="wrong")[0] == 401  # badjson, then a bad key
        with pytest.raises((socket.timeout, TimeoutError, urllib.error.URLError)):
            post(timeout=0.5)  # `sleep`: the client gives up
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and '"aborted"' not in record.read_text():
            time.sleep(0.05)
        kinds = [json.loads(x)["kind"] for x in record.read_text().splitlines()]
        assert kinds.count("request") == 5 and kinds[-1] == "aborted"
    finally:
        proc.terminate()
        proc.wait(5)


def test_mock_business_api_records_any_method_and_answers_its_script(pki: TestPKI, tmp_path: Path) -> None:
    record = tmp_path / "api.jsonl"
    proc = subprocess.Popen([sys.executable, str(PEERS / "mock_business_api.py"), "--port", "0",
                             "--cert", str(pki.localhost[0]), "--key", str(pki.localhost[1]),
                             "--script", "ok,503,badjson,hang", "--sleep-ms", "3000", "--record", str(record)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        m = re.match(r"listening port=(\d+)", proc.stdout.readline())
        assert m, proc.stderr.read() if proc.stderr else ""
        base = f"https://localhost:{m.group(1)}"
        ctx = ssl.create_default_context(cafile=str(pki.ca))

        def send(method: str, target: str, body: Any = None, timeout: float = 5) -> tuple[int, bytes]:
            data = json.dumps(body).encode() if body is not None else None
            req = urllib.request.Request(base + target, data=data, method=method,
                                         headers={"Authorization": "Bearer tok-123456"})
            try:
                with urllib.request.urlopen(req, context=ctx, timeout=timeout) as r:
                    return r.status, r.read()
            except urllib.error.HTTPError as e:
                return e.code, e.read()

        status, body = send("GET", "/v1/patients/%2B46/appointments?day=2026-12-07")
        assert status == 200 and json.loads(body)["appointment"]["doctor"] == "Dr Lind"
        status, body = send("PATCH", "/v1/bookings/7", {"seats": 2})
        assert status == 503 and json.loads(body) == {"error": "mock failure", "seen": "tok-123456"}
        status, body = send("DELETE", "/v1/bookings/7")
        assert status == 200 and body.startswith(b"<html>")
        with pytest.raises((socket.timeout, TimeoutError, urllib.error.URLError)):
            send("POST", "/v1/bookings", {}, timeout=0.5)  # `hang`
        requests = [json.loads(x) for x in record.read_text().splitlines() if '"request"' in x]
        assert [(r["method"], r["target"]) for r in requests] == [
            ("GET", "/v1/patients/%2B46/appointments?day=2026-12-07"), ("PATCH", "/v1/bookings/7"),
            ("DELETE", "/v1/bookings/7"), ("POST", "/v1/bookings")]
        assert requests[1]["body"] == {"seats": 2} and requests[0]["headers"]["authorization"] == "Bearer tok-123456"
    finally:
        proc.terminate()
        proc.wait(5)


def run(coro: Any, timeout: float = 20.0) -> Any:
    return asyncio.run(asyncio.wait_for(coro, timeout))
