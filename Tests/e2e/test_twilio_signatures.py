"""X-Twilio-Signature on the webhook and the Media Streams upgrade, checked against requests
signed by the official Twilio SDK (Tests/peers/twilio_signing.py), and the start-up policy."""

from __future__ import annotations

import re
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Callable

import pytest
from harness import OPENAI_KEY, BridgeProcess, run, wait_until
from test_http_twiml import stream_of
from websockets.exceptions import InvalidStatus

from peers.audio_tools import WAVE_FORMAT_MULAW, pcm16_silence, pcm16_tone, ulaw_encode, write_wav
from peers.fake_twilio import FakeTwilioCall
from peers.twilio_signing import TOKEN, sign, sign_json

PUBLIC_HOST = "example.ngrok.app"
CHECKED = {"TWILIO_VALIDATE_SIGNATURES": "", "TWILIO_AUTH_TOKEN": TOKEN,
           "PUBLIC_URL": f"https://{PUBLIC_HOST}"}
WEBHOOK = f"https://{PUBLIC_HOST}/incoming-call"
STREAM = f"wss://{PUBLIC_HOST}/media-stream"
FORM = [("AccountSid", "AC" + "0" * 32), ("CallSid", "CA" + "1" * 32), ("From", "+15551230000"),
        ("To", "+15557650000"), ("CallStatus", "ringing")]


def send(method: str, url: str, *, body: bytes | None = None, content_type: str | None = None,
         signature: str | None = None) -> tuple[int, str]:
    req = urllib.request.Request(url, data=body, method=method)
    if content_type:
        req.add_header("Content-Type", content_type)
    if signature is not None:
        req.add_header("X-Twilio-Signature", signature)
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def post_form(bridge: BridgeProcess, pairs: list[tuple[str, str]], signature: str | None,
              query: str = "") -> tuple[int, str]:
    return send("POST", f"{bridge.http_url}/incoming-call{query}",
                body=urllib.parse.urlencode(pairs).encode(),
                content_type="application/x-www-form-urlencoded", signature=signature)


def refusal_lines(bridge: BridgeProcess) -> list[str]:
    return [ln for ln in bridge.log_lines() if "without a valid Twilio signature" in ln]


def test_form_post_signed_by_the_sdk_over_the_public_url_gets_the_stream(
        start_bridge: Callable[..., BridgeProcess]) -> None:
    bridge = start_bridge(CHECKED)
    assert bridge.wait_for_log(r"checking X-Twilio-Signature", 1)
    status, body = post_form(bridge, FORM, sign(WEBHOOK, FORM))
    assert status == 200, body
    url, params = stream_of(body)
    assert url == STREAM and params["CallSid"] == "CA" + "1" * 32
    # The port variant the SDK validators also accept.
    status, body = post_form(bridge, FORM, sign(f"https://{PUBLIC_HOST}:443/incoming-call", FORM))
    assert status == 200, body
    assert refusal_lines(bridge) == []


def test_forged_tampered_unsigned_or_local_url_signatures_get_403_and_a_clean_log_line(
        start_bridge: Callable[..., BridgeProcess]) -> None:
    bridge = start_bridge(CHECKED)
    good = sign(WEBHOOK, FORM)
    forged = sign(WEBHOOK, FORM, token=TOKEN[::-1])
    local = sign(f"{bridge.http_url}/incoming-call", FORM)  # what a bridge reading its socket would check
    tampered = [(k, v + "9") if k == "From" else (k, v) for k, v in FORM]
    attempts = [(FORM, None), (FORM, forged), (tampered, good), (FORM, local)]
    for pairs, signature in attempts:
        status, body = post_form(bridge, pairs, signature)
        assert status == 403, (pairs, body)
        assert "<Stream" not in body
    # One line for the burst (refusals are aggregated to a line a second), then one with the count.
    assert wait_until(lambda: len(refusal_lines(bridge)) == 1, 3)
    time.sleep(1.1)
    assert post_form(bridge, FORM, None)[0] == 403
    assert wait_until(lambda: len(refusal_lines(bridge)) == 2, 3)
    assert f"refused_since_last_line={len(attempts)}" in refusal_lines(bridge)[1], refusal_lines(bridge)[1]
    assert f"refused_total={len(attempts) + 1}" in refusal_lines(bridge)[1]
    log = bridge.stderr()
    for secret in (TOKEN, good, forged, local):
        assert secret not in log, "a token or signature reached the log"
    line = refusal_lines(bridge)[0]
    assert "path=/incoming-call" in line and f"checked_url=https://{PUBLIC_HOST}/incoming-call" in line
    assert "PUBLIC_URL" in line  # the hint names what to check
    assert bridge.alive()


def test_get_webhook_signs_its_query(start_bridge: Callable[..., BridgeProcess]) -> None:
    bridge = start_bridge(CHECKED)
    query = "?" + urllib.parse.urlencode([("CallSid", "CA9"), ("From", "+1 (555) 000")])
    status, body = send("GET", f"{bridge.http_url}/incoming-call{query}", signature=sign(WEBHOOK + query))
    assert status == 200, body
    params = stream_of(body)[1]
    assert params.pop("token").startswith("v1.")
    assert params == {"From": "+1 (555) 000", "CallSid": "CA9"}
    status, _ = send("GET", f"{bridge.http_url}/incoming-call{query}x", signature=sign(WEBHOOK + query))
    assert status == 403


def test_json_body_is_bound_by_body_sha256(start_bridge: Callable[..., BridgeProcess]) -> None:
    bridge = start_bridge(CHECKED)
    body = '{"CallSid":"CA7","note":"Grüße 👋"}'
    signed_url, signature = sign_json(WEBHOOK, body)
    query = signed_url[len(WEBHOOK):]
    status, answer = send("POST", f"{bridge.http_url}/incoming-call{query}", body=body.encode(),
                          content_type="application/json", signature=signature)
    assert status == 200, answer
    status, _ = send("POST", f"{bridge.http_url}/incoming-call{query}", body=body.encode() + b" ",
                     content_type="application/json", signature=signature)
    assert status == 403
    assert bridge.wait_for_log(r"reason=\"bodySHA256 does not match the body\"", 2)


def test_media_stream_upgrade_signed_over_the_twiml_wss_url(
        start_bridge: Callable[..., BridgeProcess]) -> None:
    bridge = start_bridge(CHECKED)

    status, twiml = post_form(bridge, FORM, sign(WEBHOOK, FORM))
    assert status == 200, twiml

    async def signed() -> FakeTwilioCall:
        call = FakeTwilioCall(bridge.ws_url, call_sid="CA" + "1" * 32, custom_parameters=stream_of(twiml)[1],
                              headers={"X-Twilio-Signature": sign(STREAM)})
        await call.connect()
        await call.start()
        await call.wait_for_audio(1, timeout=5)  # the local provider's greeting chime
        await call.stop()
        return call

    call = run(signed())
    assert call.audio and call.violations == []

    for headers in ({}, {"X-Twilio-Signature": sign(STREAM.replace("wss://", "https://"))},
                    {"X-Twilio-Signature": sign(f"ws://127.0.0.1:{bridge.port}/media-stream")}):
        async def refused(headers: dict[str, str] = headers) -> None:
            await FakeTwilioCall(bridge.ws_url, headers=headers).connect()
        with pytest.raises(InvalidStatus) as refusal:
            run(refused())
        assert refusal.value.response.status_code == 403
    assert bridge.wait_for_log(r"path=/media-stream", 2)


def test_simulate_signs_the_upgrade_when_the_token_is_set(
        start_bridge: Callable[..., BridgeProcess],
        run_bridge: Callable[..., subprocess.CompletedProcess[str]], tmp_path: Path) -> None:
    bridge = start_bridge(CHECKED)
    wav = tmp_path / "in.wav"
    write_wav(wav, ulaw_encode(pcm16_silence(0.2) + pcm16_tone(0.4, 350.0, dbfs=-12.0)),
              fmt=WAVE_FORMAT_MULAW)
    args = ("simulate", "--wav", str(wav), "--url", bridge.ws_url, "--linger-ms", "300")
    done = run_bridge(*args, env={"TWILIO_AUTH_TOKEN": TOKEN, "PUBLIC_URL": PUBLIC_HOST}, timeout=30)
    assert done.returncode == 0, done.stderr
    assert re.search(r"received [1-9]\d* frames", done.stdout), done.stdout
    unsigned = run_bridge(*args, timeout=30)
    assert unsigned.returncode == 1 and "403" in unsigned.stderr, unsigned.stderr
    # --webhook: the simulated webhook is signed over PUBLIC_URL too, then the stream.
    done = run_bridge(*args, "--webhook", env={"TWILIO_AUTH_TOKEN": TOKEN, "PUBLIC_URL": PUBLIC_HOST},
                      timeout=30)
    assert done.returncode == 0, done.stderr
    unsigned = run_bridge(*args, "--webhook", timeout=30)
    assert unsigned.returncode == 1 and "HTTP 403" in unsigned.stderr, unsigned.stderr
    assert 1 <= len(refusal_lines(bridge)) <= 2  # aggregated: at most a line a second
    with urllib.request.urlopen(f"{bridge.http_url}/metrics", timeout=5) as response:
        assert 'voice_bridge_calls_total{outcome="rejected_signature"} 2\n' in response.read().decode()


def test_real_provider_without_token_refuses_to_start(
        run_bridge: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    done = run_bridge("serve", env={"OPENAI_API_KEY": OPENAI_KEY, "TWILIO_VALIDATE_SIGNATURES": "",
                                    "PORT": "0"})
    assert done.returncode == 2, done.stderr
    assert "TWILIO_AUTH_TOKEN" in done.stderr and "TWILIO_VALIDATE_SIGNATURES=false" in done.stderr
    assert OPENAI_KEY not in done.stderr


def test_checks_switched_off_explicitly_start_with_a_warning(
        start_bridge: Callable[..., BridgeProcess]) -> None:
    bridge = start_bridge({"OPENAI_API_KEY": OPENAI_KEY, "TWILIO_VALIDATE_SIGNATURES": "false"})
    assert bridge.wait_for_log(r"level=warning.*TWILIO_VALIDATE_SIGNATURES=false", 1)
    assert send("POST", f"{bridge.http_url}/incoming-call", body=b"CallSid=CA1",
                content_type="application/x-www-form-urlencoded")[0] == 200


def test_local_provider_without_token_is_unchecked_and_says_so(
        start_bridge: Callable[..., BridgeProcess]) -> None:
    bridge = start_bridge({"TWILIO_VALIDATE_SIGNATURES": ""})
    assert bridge.wait_for_log(r"signature checks are off: local provider", 1)
    assert send("GET", f"{bridge.http_url}/incoming-call?CallSid=CA1")[0] == 200
