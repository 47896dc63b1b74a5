"""Call events (EVENTS_URL): signed per Standard Webhooks, spooled, retried, never lost.

Every delivery the receiver records is verified with the `standardwebhooks` library, the
specification's own Python implementation. The bridge runs the local provider (its greeting chime
gives the call an assistant utterance) and the fake Twilio caller.
"""

from __future__ import annotations

import json
import socket
import urllib.request
from pathlib import Path
from typing import Any, Callable

from standardwebhooks.webhooks import Webhook

from harness import (BridgeProcess, ManagedProcess, RecordingPeerProcess, launch_peer, run,
                     wait_until)
from peers.certs import TestPKI
from peers.fake_twilio import FakeTwilioCall

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
FROM, TO = "+15551230000", "+15557654321"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_receiver(tmp_path: Path, processes: list[ManagedProcess], *args: str,
                   name: str = "receiver") -> RecordingPeerProcess:
    return launch_peer(RecordingPeerProcess, name, "events_receiver.py", list(args), tmp_path, processes)


def events_env(url: str, spool: Path, **extra: str) -> dict[str, str]:
    return {"EVENTS_URL": url, "EVENTS_SECRET": SECRET, "EVENTS_SPOOL_DIR": str(spool), **extra}


def verified(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each recorded delivery's body, after `standardwebhooks` accepted its signature."""
    return [Webhook(SECRET).verify(r["body"], r["headers"]) for r in records]


def place_call(bridge: BridgeProcess) -> FakeTwilioCall:
    async def scenario() -> FakeTwilioCall:
        call = FakeTwilioCall(bridge.ws_url, pace=0,
                              custom_parameters={"From": FROM, "To": TO})
        call.custom_parameters["CallSid"] = call.call_sid
        async with call:
            assert await call.wait_for_audio(800, timeout=10.0), "no greeting audio"
            await __import__("asyncio").sleep(0.5)  # the chime's transcript follows its audio
            await call.stop()
        return call
    return run(scenario())


def deliveries(receiver: RecordingPeerProcess, n: int, timeout: float = 15.0) -> list[dict[str, Any]]:
    ok = wait_until(lambda: len(receiver.all_records()) >= n, timeout)
    assert ok, receiver.report()
    return receiver.all_records()


def spooled(spool: Path) -> list[str]:
    return sorted(p.name for p in spool.iterdir() if p.suffix == ".event") if spool.exists() else []


def metric(bridge: BridgeProcess, line_start: str) -> float | None:
    text = urllib.request.urlopen(bridge.http_url + "/metrics", timeout=5).read().decode()
    for line in text.splitlines():
        if line.startswith(line_start + " "):
            return float(line.split()[-1])
    return None


def test_call_events_are_signed_and_call_ended_carries_the_transcript(
        start_bridge: Callable[..., BridgeProcess], pki: TestPKI, tmp_path: Path,
        processes: list[ManagedProcess]) -> None:
    cert, key = pki.localhost
    receiver = start_receiver(tmp_path, processes, "--cert", str(cert), "--key", str(key))
    spool = tmp_path / "spool"
    bridge = start_bridge(events_env(f"https://localhost:{receiver.port}/hooks/calls", spool,
                                     SSL_CERT_FILE=str(pki.ca), TRANSCRIPTS_DIR=str(tmp_path / "tx")))
    call = place_call(bridge)
    records = deliveries(receiver, 2)
    assert all(r["status"] == 200 and r["path"] == "/hooks/calls" for r in records)
    started, ended = verified(records)
    assert [started["type"], ended["type"]] == ["call.started", "call.ended"]
    assert records[0]["headers"]["webhook-id"] != records[1]["headers"]["webhook-id"]
    assert records[0]["headers"]["webhook-id"].startswith("msg_")
    assert records[0]["headers"]["content-type"] == "application/json"
    for event in (started, ended):
        data = event["data"]
        assert (data["call_sid"], data["stream_sid"], data["from"], data["to"], data["direction"]) == \
            (call.call_sid, call.stream_sid, FROM, TO, "inbound")
        assert data["agent"] is None and data["metadata"] == {}
    data = ended["data"]
    assert data["outcome"] == "caller_hung_up" and data["duration_s"] > 0
    assert set(data["usage"]) >= {"audio_in", "audio_out", "text_in", "text_out", "responses"}
    assert data["recording_file"] is None and "cost_usd_est" in data
    assert data["transcript_truncated"] is False
    said = [(u["role"], u["text"]) for u in data["transcript"]]
    assert ("assistant", "(local parrot: greeting chime)") in said, data["transcript"]
    assert all(set(u) == {"role", "text", "time"} for u in data["transcript"])
    # The transcript file says the same.
    lines = [json.loads(x) for x in (tmp_path / "tx" / f"{call.call_sid}.jsonl").read_text().splitlines()]
    assert [(x["role"], x["text"]) for x in lines] == said

    assert wait_until(lambda: spooled(spool) == [], 5.0), spooled(spool)
    assert metric(bridge, 'voice_bridge_events_total{type="call.ended",result="delivered"}') == 1
    assert metric(bridge, 'voice_bridge_events_total{type="call.started",result="delivered"}') == 1
    assert metric(bridge, "voice_bridge_events_spooled") == 0


def test_a_receiver_answering_500_gets_the_event_again_with_the_same_id(
        start_bridge: Callable[..., BridgeProcess], tmp_path: Path, processes: list[ManagedProcess]) -> None:
    receiver = start_receiver(tmp_path, processes, "--script", "500,503,200")
    spool = tmp_path / "spool"
    bridge = start_bridge(events_env(f"http://127.0.0.1:{receiver.port}/hook", spool, EVENTS_RETRY_BASE_MS="100"))
    place_call(bridge)
    records = deliveries(receiver, 4)
    by_id: dict[str, list[dict[str, Any]]] = {}
    for record, body in zip(records, verified(records)):
        by_id.setdefault(record["headers"]["webhook-id"], []).append({**record, "event": body})
    assert len(by_id) == 2  # two events, however many attempts: a retry keeps its webhook-id
    started = next(v for v in by_id.values() if v[0]["event"]["type"] == "call.started")
    assert [r["status"] for r in started] == [500, 503, 200]  # first in, so it met the script first
    assert all(r["event"] == started[0]["event"] for r in started)
    assert all(v[-1]["status"] == 200 for v in by_id.values())
    assert wait_until(lambda: spooled(spool) == [], 5.0)
    assert bridge.wait_for_log(r"call event not delivered; retrying.*HTTP 500")
    assert metric(bridge, 'voice_bridge_events_total{type="call.started",result="retried"}') == 2
    assert metric(bridge, 'voice_bridge_events_total{type="call.started",result="delivered"}') == 1


def test_a_receiver_that_is_down_then_up_gets_the_events(
        start_bridge: Callable[..., BridgeProcess], tmp_path: Path, processes: list[ManagedProcess]) -> None:
    port = free_port()
    spool = tmp_path / "spool"
    bridge = start_bridge(events_env(f"http://127.0.0.1:{port}/hook", spool, EVENTS_RETRY_BASE_MS="100"))
    call = place_call(bridge)
    assert bridge.wait_for_log(r"call event not delivered; retrying.*connect_failed", timeout=5.0)
    assert wait_until(lambda: len(spooled(spool)) == 2, 5.0), spooled(spool)
    receiver = start_receiver(tmp_path, processes, "--port", str(port))
    records = deliveries(receiver, 2, timeout=20.0)
    events = {e["type"]: e for e in verified(records)}
    assert set(events) == {"call.started", "call.ended"}
    assert events["call.ended"]["data"]["call_sid"] == call.call_sid
    assert wait_until(lambda: spooled(spool) == [], 5.0)


def test_events_spooled_when_the_bridge_is_killed_are_sent_at_the_next_start(
        start_bridge: Callable[..., BridgeProcess], tmp_path: Path, processes: list[ManagedProcess]) -> None:
    port = free_port()
    spool = tmp_path / "spool"
    env = events_env(f"http://127.0.0.1:{port}/hook", spool)
    first = start_bridge(env)
    call = place_call(first)
    assert wait_until(lambda: len(spooled(spool)) == 2, 5.0), spooled(spool)
    ids = [name.split("-", 2)[2].removesuffix(".event") for name in spooled(spool)]
    first.proc.kill()  # SIGKILL: no drain, nothing flushed now
    first.proc.wait(5)
    assert len(spooled(spool)) == 2

    receiver = start_receiver(tmp_path, processes, "--port", str(port))
    second = start_bridge(env)
    records = deliveries(receiver, 2)
    # The same ids (sent oldest first, but up to four at once: they may arrive in either order).
    assert sorted(r["headers"]["webhook-id"] for r in records) == sorted(ids)
    started, ended = sorted(verified(records), key=lambda event: event["type"] != "call.started")
    assert (started["type"], ended["type"]) == ("call.started", "call.ended")
    assert ended["data"]["call_sid"] == call.call_sid
    assert second.wait_for_log(r"sending call events spooled by an earlier run.*events=2")
    assert wait_until(lambda: spooled(spool) == [], 5.0)


def test_events_url_needs_a_secret_in_the_standard_form(run_bridge: Callable[..., Any]) -> None:
    missing = run_bridge("serve", env={"PORT": "0", "EVENTS_URL": "https://hooks.example.com/x"})
    assert missing.returncode == 2
    assert "EVENTS_SECRET" in missing.stderr and "whsec_" in missing.stderr
    bad = run_bridge("serve", env={"PORT": "0", "EVENTS_URL": "https://hooks.example.com/x",
                                   "EVENTS_SECRET": "not-a-whsec-secret"})
    assert bad.returncode == 2 and "EVENTS_SECRET" in bad.stderr and "not-a-whsec-secret" not in bad.stdout
    remote_http = run_bridge("serve", env={"PORT": "0", "EVENTS_URL": "http://hooks.example.com/x",
                                           "EVENTS_SECRET": SECRET})
    assert remote_http.returncode == 2 and "EVENTS_URL" in remote_http.stderr
