"""Self-tests of the mock provider, driven by a raw `websockets` client and the openai SDK."""

from __future__ import annotations

import asyncio
import base64
import json
import signal
import ssl
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidStatus

from peers.certs import TestPKI, make_test_pki
from peers.mock_provider import GREETING_AUDIO, MockOptions, MockProvider
from peers.realtime_schema import beta_unavailable_reason, check_events

PEERS = Path(__file__).resolve().parent
GA_SESSION = {"type": "realtime", "audio": {"input": {"format": {"type": "audio/pcmu"}},
                                            "output": {"format": {"type": "audio/pcmu"}}}}
BETA_SESSION = {"input_audio_format": "g711_ulaw", "output_audio_format": "g711_ulaw"}


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPKI:
    return make_test_pki(tmp_path_factory.mktemp("pki"))


def client_ssl(pki: TestPKI) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(pki.ca))


async def recv_until(ws: ClientConnection, kind: str, timeout: float = 3.0
                     ) -> list[dict[str, Any]]:
    """Server events up to and including the first of type `kind`."""
    out: list[dict[str, Any]] = []
    while True:
        event = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        out.append(event)
        if event["type"] == kind:
            return out


def run(coro: Any, timeout: float = 30.0) -> Any:
    return asyncio.run(asyncio.wait_for(coro, timeout))


def test_ga_echo_mode_over_tls(pki: TestPKI, tmp_path: Path) -> None:
    record = tmp_path / "rec.jsonl"

    async def scenario() -> tuple[list[dict[str, Any]], MockProvider]:
        mock = MockProvider(MockOptions(cert=pki.localhost[0], key=pki.localhost[1],
                                        record=record))
        port = await mock.start()
        url = f"wss://localhost:{port}/v1/realtime?model=gpt-realtime"
        async with connect(url, ssl=client_ssl(pki), compression=None,
                           additional_headers={"Authorization": "Bearer sk-x"}) as ws:
            got = await recv_until(ws, "session.created")
            await ws.send(json.dumps({"type": "session.update", "session": GA_SESSION}))
            got += await recv_until(ws, "session.updated")
            await ws.send(json.dumps({"type": "response.create"}))
            got += await recv_until(ws, "response.done")
            payloads = [base64.b64encode(bytes([n]) * 160).decode() for n in range(5)]
            for p in payloads:
                await ws.send(json.dumps({"type": "input_audio_buffer.append", "audio": p}))
            while sum(e["type"] == "response.output_audio.delta" for e in got) < 4 + 5:
                got.append(json.loads(await asyncio.wait_for(ws.recv(), 3)))
        await asyncio.sleep(0.2)
        await mock.close()
        return got, mock

    got, mock = run(scenario())
    types = [e["type"] for e in got]
    assert types[0] == "session.created" and "session.updated" in types
    updated = next(e for e in got if e["type"] == "session.updated")
    assert updated["session"]["audio"]["input"]["format"] == {"type": "audio/pcmu"}
    deltas = [e for e in got if e["type"] == "response.output_audio.delta"]
    greeting = b"".join(base64.b64decode(d["delta"]) for d in deltas[:4])
    assert greeting == GREETING_AUDIO
    assert [d["delta"] for d in deltas[4:]] == [
        base64.b64encode(bytes([n]) * 160).decode() for n in range(5)]
    assert all(d["response_id"].startswith("resp_") and d["item_id"].startswith("item_")
               for d in deltas)
    assert "response.audio.delta" not in types
    assert check_events(got, "ga", "server") == []

    lines = [json.loads(x) for x in record.read_text().splitlines()]
    hs = lines[0]
    assert hs["kind"] == "handshake" and hs["path"] == "/v1/realtime"
    assert hs["query"] == "model=gpt-realtime" and hs["params"] == {"model": "gpt-realtime"}
    assert hs["headers"]["authorization"] == "Bearer sk-x" and hs["refused"] is None
    received = [r["event"]["type"] for r in lines if r["kind"] == "event"]
    assert received == ["session.update", "response.create"] + ["input_audio_buffer.append"] * 5
    assert lines[-1] == {"kind": "closed", "conn": 1, "code": 1000, "reason": "", "by": "client"}
    assert mock.recorder.records == lines


def test_beta_header_selects_beta_event_names(pki: TestPKI) -> None:
    async def scenario() -> list[dict[str, Any]]:
        mock = MockProvider(MockOptions(cert=pki.localhost[0], key=pki.localhost[1]))
        port = await mock.start()
        url = f"wss://localhost:{port}/openai/realtime?api-version=2025-04-01-preview&deployment=d"
        async with connect(url, ssl=client_ssl(pki), additional_headers={
                "api-key": "k", "OpenAI-Beta": "realtime=v1"}) as ws:
            got = await recv_until(ws, "session.created")
            await ws.send(json.dumps({"type": "session.update", "session": BETA_SESSION}))
            await ws.send(json.dumps({"type": "response.create"}))
            got += await recv_until(ws, "response.done")
            await ws.send(json.dumps({"type": "input_audio_buffer.append", "audio": "AAAA"}))
            got += await recv_until(ws, "response.audio.delta")
        await mock.close()
        return got

    got = run(scenario())
    types = [e["type"] for e in got]
    assert "response.audio.delta" in types and "response.audio.done" in types
    assert "response.output_audio.delta" not in types
    assert got[-1]["delta"] == "AAAA"
    assert got[0]["session"]["model"] == "gpt-4o-realtime-preview-2024-12-17"
    assert got[0]["session"]["input_audio_format"] == "pcm16"
    reason = beta_unavailable_reason()
    if reason is None:
        assert check_events(got, "beta", "server") == []


def test_refuse_answers_upgrade_with_status_and_body(pki: TestPKI) -> None:
    body = '{"error":{"message":"Incorrect API key provided"}}'

    async def scenario() -> tuple[InvalidStatus, list[dict[str, Any]]]:
        mock = MockProvider(MockOptions(cert=pki.localhost[0], key=pki.localhost[1],
                                        refuse_status=401, refuse_body=body,
                                        refuse_which={1}))
        port = await mock.start()
        url = f"wss://localhost:{port}/v1/realtime"
        with pytest.raises(InvalidStatus) as info:
            async with connect(url, ssl=client_ssl(pki)):
                pass
        async with connect(url, ssl=client_ssl(pki)) as ws:  # only handshake 1 is refused
            await recv_until(ws, "session.created")
        await mock.close()
        return info.value, mock.recorder.records

    exc, records = run(scenario())
    assert exc.response.status_code == 401
    assert exc.response.body.decode() == body
    assert exc.response.headers["Content-Type"] == "application/json"
    handshakes = [r for r in records if r["kind"] == "handshake"]
    assert [h["refused"] for h in handshakes] == [401, None]


def test_delay_accept_holds_the_upgrade(pki: TestPKI) -> None:
    async def scenario() -> float:
        mock = MockProvider(MockOptions(plain=True, delay_accept_ms=400))
        port = await mock.start()
        t0 = time.monotonic()
        async with connect(f"ws://127.0.0.1:{port}/v1/realtime") as ws:
            elapsed = time.monotonic() - t0
            await recv_until(ws, "session.created")
        await mock.close()
        return elapsed

    assert 0.35 <= run(scenario()) < 3


def test_invalid_client_events_get_error_events() -> None:
    async def scenario() -> list[dict[str, Any]]:
        mock = MockProvider(MockOptions(plain=True))
        port = await mock.start()
        async with connect(f"ws://127.0.0.1:{port}/v1/realtime") as ws:
            await recv_until(ws, "session.created")
            errors = []
            for bad in ("not json", json.dumps({"type": "bogus.event"}),
                        json.dumps({"type": "input_audio_buffer.append", "audio": "***"})):
                await ws.send(bad)
                errors += await recv_until(ws, "error")
        await mock.close()
        return errors

    errors = run(scenario())
    assert [e["error"]["code"] for e in errors] == ["invalid_json", "invalid_value",
                                                    "invalid_value"]
    assert check_events(errors, "ga", "server") == []


def test_refuse_response_create_echoes_the_client_event_id() -> None:
    async def scenario() -> list[dict[str, Any]]:
        mock = MockProvider(MockOptions(plain=True, refuse_response_create="server_error",
                                        refuse_response_create_which={1}))
        port = await mock.start()
        async with connect(f"ws://127.0.0.1:{port}/v1/realtime") as ws:
            await recv_until(ws, "session.created")
            await ws.send(json.dumps({"type": "response.create", "event_id": "mine_1"}))
            events = await recv_until(ws, "error")
            await ws.send(json.dumps({"type": "response.create", "event_id": "mine_2"}))
            events += await recv_until(ws, "response.done")
        await mock.close()
        return events

    events = run(scenario())
    error = events[0]
    assert error["type"] == "error"
    assert error["error"]["code"] == "server_error" and error["error"]["event_id"] == "mine_1"
    assert [e["type"] for e in events].count("error") == 1, "only the first create is refused"
    assert check_events(events, "ga", "server") == []


def test_cli_prints_port_records_and_stops_on_sigterm(pki: TestPKI, tmp_path: Path) -> None:
    record = tmp_path / "cli.jsonl"
    proc = subprocess.Popen([sys.executable, str(PEERS / "mock_provider.py"), "--port", "0",
                             "--cert", str(pki.localhost[0]), "--key", str(pki.localhost[1]),
                             "--record", str(record)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("listening port="), line
        port = int(line.split("port=")[1].split()[0])

        async def scenario() -> None:
            async with connect(f"wss://localhost:{port}/v1/realtime?model=m",
                               ssl=client_ssl(pki)) as ws:
                await recv_until(ws, "session.created")
        run(scenario())
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(5) == 0
    finally:
        proc.kill()
        proc.wait()
    kinds = [json.loads(x)["kind"] for x in record.read_text().splitlines()]
    assert kinds[0] == "handshake" and kinds[-1] == "closed"


def test_cli_without_cert_or_plain_is_a_usage_error() -> None:
    done = subprocess.run([sys.executable, str(PEERS / "mock_provider.py")],
                          capture_output=True, text=True, timeout=20)
    assert done.returncode == 2 and "--plain" in done.stderr


def test_wrong_host_certificate_fails_hostname_check(pki: TestPKI) -> None:
    async def scenario() -> ssl.SSLCertVerificationError:
        mock = MockProvider(MockOptions(cert=pki.wrong_host[0], key=pki.wrong_host[1]))
        port = await mock.start()
        with pytest.raises(ssl.SSLCertVerificationError) as info:
            async with connect(f"wss://localhost:{port}/v1/realtime", ssl=client_ssl(pki)):
                pass
        await mock.close()
        return info.value

    err = run(scenario())
    assert "Hostname mismatch" in str(err.verify_message)
