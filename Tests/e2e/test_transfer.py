"""Transfer to a person (`transfer_call`), against the loopback mock of Twilio's REST API: the
model's sentence plays, then the live call is redirected to `<Dial>` with a whispered summary;
`/whisper` tells the person who is calling; `/transfer-result` brings the caller back to the agent,
conversation restored, when nobody answers; a refused redirect is told to the model."""

from __future__ import annotations

import asyncio
import json
import re
import urllib.parse
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Callable

from harness import BridgeProcess, ManagedProcess, MockProcess, launch_peer, openai_env, parse_logfmt, run, wait_until
from test_agents import FRONT_DESK, form, signed_call, write_agents
from test_http_twiml import stream_of
from test_events import deliveries, events_env, start_receiver, verified
from test_outbound_calls import ACCOUNT, TwilioAPIProcess, twilio_api  # noqa: F401  (fixture)
from test_twilio_signatures import STREAM, WEBHOOK, post_form, send

from peers.certs import TestPKI
from peers.fake_twilio import FakeTwilioCall
from peers.twilio_signing import TOKEN, sign

NURSE = {"name": "nurse", "description": "medical questions", "to": "+15550001111", "whisper": True,
         "timeout_seconds": 20}
SUMMARY = "Ada Svensson wants to move Tuesday's appointment."
CALL_SID = "CA" + "7" * 32


def transfer_env(mock: MockProcess, pki: TestPKI, api: TwilioAPIProcess, agents: Path) -> dict[str, str]:
    return openai_env(mock, pki, TWILIO_AUTH_TOKEN=TOKEN, TWILIO_VALIDATE_SIGNATURES="", TWILIO_ACCOUNT_SID=ACCOUNT,
                      TWILIO_API_BASE=api.base, PUBLIC_URL="https://example.ngrok.app", AGENTS_DIR=str(agents),
                      PREWARM="false", GREETING="")


def signed_post(bridge: BridgeProcess, url: str, fields: list[tuple[str, str]]) -> tuple[int, str]:
    """POST `fields` to `url` (a public URL the bridge wrote) as Twilio would, signed."""
    parsed = urllib.parse.urlsplit(url)
    local = f"{bridge.http_url}{parsed.path}?{parsed.query}"
    return send("POST", local, body=urllib.parse.urlencode(fields).encode(),
                content_type="application/x-www-form-urlencoded", signature=sign(url, fields))


def start_call(bridge: BridgeProcess) -> dict[str, str]:
    status, twiml = post_form(bridge, form("+15557650000", CALL_SID), sign(WEBHOOK, form("+15557650000", CALL_SID)))
    assert status == 200, twiml
    return stream_of(twiml)[1]


def test_transfer_redirects_after_the_sentence_whispers_the_summary_and_returns_on_no_answer(
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        twilio_api: Callable[..., TwilioAPIProcess], pki: TestPKI, tmp_path: Path,
        processes: list[ManagedProcess]) -> None:
    api = twilio_api(ACCOUNT, TOKEN)
    receiver = start_receiver(tmp_path, processes)
    mock = start_mock("--no-echo", "--transcribe", "--timestamps", "--tool-call",
                      "transfer_call:" + json.dumps({"target": "nurse", "summary": SUMMARY}),
                      "--tool-call-after", "5", "--tool-call-audio-bytes", "1600")
    agents = write_agents(tmp_path / "agents", {**FRONT_DESK, "transfer": [NURSE]})
    bridge = start_bridge({**transfer_env(mock, pki, api, agents),
                           **events_env(f"http://127.0.0.1:{receiver.port}/hook", tmp_path / "spool")})
    params = start_call(bridge)

    async def first_leg() -> FakeTwilioCall:
        call = FakeTwilioCall(bridge.ws_url, call_sid=CALL_SID, custom_parameters=params,
                              headers={"X-Twilio-Signature": sign(STREAM)}, pace=1.0)
        await call.connect()
        await call.start()
        sending = asyncio.create_task(call.send_audio(bytes([0xFF]) * 160 * 300))
        for _ in range(200):
            if api.requests():
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)
        sending.cancel()
        await call.stop()  # Twilio ends the stream once the call runs the new TwiML
        return call

    call = run(first_leg(), timeout=30)
    (redirect,) = api.requests()
    assert redirect["path"] == f"/2010-04-01/Accounts/{ACCOUNT}/Calls/{CALL_SID}.json"
    twiml = dict(redirect["form"])["Twiml"]
    dial = ET.fromstring(twiml).find("Dial")
    assert dial is not None and dial.get("answerOnBridge") == "true" and dial.get("timeout") == "20", twiml
    number = dial.find("Number")
    assert number is not None and number.text == "+15550001111"
    action, whisper = dial.get("action", ""), number.get("url", "")
    assert action.startswith("https://example.ngrok.app/transfer-result?") and whisper.startswith("https://example.ngrok.app/whisper?")
    # The sentence before the transfer played out first.
    assert len(b"".join(call.media_chunks)) >= 1600 and call.marks_played, "the sentence and its mark came before the redirect"
    ended = wait_until(lambda: [f for f in map(parse_logfmt, bridge.log_lines()) if f and f.get("msg") == "call ended"], 5)
    assert ended[0]["outcome"] == "transferred"
    # The business hears of it: a signed call.transferred event.
    events = verified(deliveries(receiver, 3))
    (transferred,) = [e for e in events if e["type"] == "call.transferred"]
    assert transferred["data"] == {"call_sid": CALL_SID, "agent": "front-desk", "target": "nurse", "to": "+15550001111",
                                   "summary": SUMMARY}

    # The person who answers hears who is calling; a summary the bridge did not sign is refused.
    status, say = signed_post(bridge, whisper, [("CallSid", "CA" + "8" * 32), ("To", "+15550001111")])
    spoken = ET.fromstring(say).find("Say")
    assert status == 200 and spoken is not None and SUMMARY in (spoken.text or ""), say
    forged = whisper.replace("Ada", "Eve")
    status, _ = signed_post(bridge, forged, [("CallSid", "CA" + "8" * 32)])
    assert status == 403

    # Nobody answered: back to the agent, in a new stream, the conversation restored.
    status, back = signed_post(bridge, action, [("CallSid", CALL_SID), ("From", "+15551230000"), ("DialCallStatus", "no-answer")])
    assert status == 200, back
    url, back_params = stream_of(back)
    assert url == STREAM and back_params["transfer_failed"] == "nurse" and back_params["transfer_status"] == "no-answer"

    run(signed_call(bridge, CALL_SID, back_params))
    events = mock.client_events(2)
    items = [e for e in events if e["type"] == "conversation.item.create"]
    assert any("caller words 1" in json.dumps(e) for e in items), "what the caller said before is restored"
    resume = next(e for e in events if e["type"] == "response.create")
    assert re.search(r"transfer the caller to nurse.*did not connect \(no-answer\)", json.dumps(resume)), resume


def test_a_redirect_twilio_refuses_is_told_to_the_model_and_the_call_goes_on(
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        processes: list[ManagedProcess], pki: TestPKI, tmp_path: Path) -> None:
    refusing = launch_peer(TwilioAPIProcess, "twilio_api_refusing", "mock_twilio_api.py",
                           ["--user", ACCOUNT, "--password", TOKEN, "--refuse-updates"], tmp_path, processes)
    mock = start_mock("--no-echo", "--tool-call", "transfer_call:" + json.dumps({"target": "nurse", "summary": SUMMARY}),
                      "--tool-call-after", "5", "--tool-call-audio-bytes", "800")
    agents = write_agents(tmp_path / "agents", {**FRONT_DESK, "transfer": [NURSE]})
    bridge = start_bridge(transfer_env(mock, pki, refusing, agents))
    params = start_call(bridge)

    async def scenario() -> FakeTwilioCall:
        call = FakeTwilioCall(bridge.ws_url, call_sid=CALL_SID, custom_parameters=params,
                              headers={"X-Twilio-Signature": sign(STREAM)}, pace=1.0)
        await call.connect()
        await call.start()
        sending = asyncio.create_task(call.send_audio(bytes([0xFF]) * 160 * 150))
        for _ in range(120):
            if any("did not go through" in json.dumps(e) for e in mock.client_events(1)):
                break
            await asyncio.sleep(0.05)
        sending.cancel()
        await call.stop()
        return call

    call = run(scenario(), timeout=30)
    assert not call.closed_by_bridge, "the call goes on"
    note = next(e for e in mock.client_events(1) if "did not go through" in json.dumps(e))
    assert note["type"] == "conversation.item.create" and note["item"]["role"] == "system"
    assert "21220" in json.dumps(note)
    assert bridge.wait_for_log(r"Twilio refused the transfer; the call goes on", 2)

