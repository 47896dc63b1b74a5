"""LOG_FORMAT=json: every stderr line is one JSON object with the same keys logfmt would carry."""

from __future__ import annotations

import json
from typing import Callable

from harness import BridgeProcess, run, wait_until

from peers.fake_twilio import FakeTwilioCall


def test_json_logs_are_one_object_per_line_with_call_fields(
        start_bridge: Callable[..., BridgeProcess]) -> None:
    bridge = start_bridge({"LOG_FORMAT": "json", "LOG_LEVEL": "debug", "PUBLIC_URL": "https://x.example"})

    async def scenario() -> FakeTwilioCall:
        call = FakeTwilioCall(bridge.ws_url, custom_parameters={"From": 'Bob "B" \\ <b@x>\n'})
        await call.connect()
        await call.start()
        await call.wait_for_audio(1, 5)
        await call.stop()
        return call

    call = run(scenario())
    assert wait_until(lambda: any('"call ended"' in ln for ln in bridge.log_lines()), 5)
    records = []
    for line in bridge.log_lines():
        record = json.loads(line)  # raises on any line that is not JSON
        assert isinstance(record, dict) and list(record)[:3] == ["level", "time", "msg"], line
        assert all(isinstance(v, str) for v in record.values()), line
        records.append(record)
    listening = next(r for r in records if r["msg"] == "listening")
    assert int(listening["port"]) == bridge.port and listening["log_format"] == "json"
    started = next(r for r in records if r["msg"] == "call started")
    assert started["call"] == call.call_sid and started["from"] == 'Bob "B" \\ <b@x>\n'
    ended = next(r for r in records if r["msg"] == "call ended")
    assert ended["call"] == call.call_sid and ended["outcome"] == "caller_hung_up"
    assert int(ended["frames_out"]) > 0
    assert {r["level"] for r in records} <= {"debug", "info", "warning", "error"}
