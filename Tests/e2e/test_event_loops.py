"""EVENT_LOOPS=2 (with EVENT_LOOP_FILL=1, so that the second call already goes to loop 1): calls spread over both loops, a stream follows its pre-warmed session to the loop
it waits on, /metrics counts both loops, and a SIGTERM drains both.

The bridge names a call's loop in its log lines (`loop=N`) when it runs more than one."""

from __future__ import annotations

import asyncio
import re
import signal
import urllib.request
from typing import Callable

from harness import BridgeProcess, MockProcess, caller_audio, openai_env, parse_logfmt, run, wait_until
from test_drain import live_call, status_of, still_echoes
from test_limits import webhook

from peers.certs import TestPKI
from peers.fake_twilio import FakeTwilioCall


def loops_of(bridge: BridgeProcess, message: str) -> dict[str, str]:
    """CallSid -> loop, from the bridge's `message` lines."""
    found = {}
    for line in bridge.log_lines():
        fields = parse_logfmt(line)
        if fields and fields.get("msg") == message and "call" in fields:
            found[fields["call"]] = fields.get("loop", "")
    return found


def metric(bridge: BridgeProcess, name: str) -> float:
    text = urllib.request.urlopen(bridge.http_url + "/metrics", timeout=5).read().decode()
    found = re.search(rf"^{re.escape(name)} (\S+)$", text, re.M)
    assert found, f"{name} not in /metrics"
    return float(found.group(1))


def test_two_loops_carry_calls_side_by_side_and_metrics_count_both(
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        pki: TestPKI) -> None:
    mock = start_mock()
    bridge = start_bridge(openai_env(mock, pki, EVENT_LOOPS="2", EVENT_LOOP_FILL="1", PREWARM="false"))
    assert bridge.wait_for_log(r'msg="listening" .*event_loops=2 ')

    async def scenario() -> tuple[FakeTwilioCall, FakeTwilioCall]:
        first, heard_first = await live_call(bridge, seed=1)
        second, heard_second = await live_call(bridge, seed=2)
        assert metric(bridge, "voice_bridge_active_calls") == 2
        await still_echoes(first, heard_first, seed=3)
        await still_echoes(second, heard_second, seed=4)
        await first.stop()
        await second.stop()
        return first, second

    first, second = run(scenario())
    loops = wait_until(lambda: (found := loops_of(bridge, "call ended")) and len(found) == 2 and found, 5)
    assert loops and sorted(loops.values()) == ["0", "1"], f"one call on each loop: {loops}"
    assert loops_of(bridge, "call started") == loops, "a call stays on one loop for its whole life"
    sent = len(first.sent_payloads) + len(second.sent_payloads)
    assert wait_until(lambda: metric(bridge, 'voice_bridge_media_frames_total{direction="from_caller"}') == sent, 5), \
        "every frame of both loops is counted once"
    assert metric(bridge, 'voice_bridge_calls_total{outcome="caller_hung_up"}') == 2
    assert metric(bridge, "voice_bridge_active_calls") == 0


def test_a_stream_follows_its_prewarmed_session_to_the_other_loop(
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        pki: TestPKI) -> None:
    mock = start_mock()
    bridge = start_bridge(openai_env(mock, pki, EVENT_LOOPS="2", EVENT_LOOP_FILL="1", LOG_LEVEL="debug"))
    warm_sid = "CA" + "7" * 32

    async def scenario() -> FakeTwilioCall:
        # A call on loop 0, so the webhook warms its session on loop 1 (the one with fewer calls).
        busy, _ = await live_call(bridge, seed=5)
        await asyncio.to_thread(webhook, bridge, warm_sid)
        assert await asyncio.to_thread(mock.wait_handshakes, 2), "the webhook opened the warm session"
        # A stream that has not started takes loop 1's place, so the warm call's stream lands on loop 0.
        waiting = FakeTwilioCall(bridge.ws_url)
        await waiting.connect()
        warm = FakeTwilioCall(bridge.ws_url, call_sid=warm_sid, pace=0.5)
        await warm.connect()
        await warm.start()
        audio = caller_audio(seed=6, frames=5)
        await warm.send_audio(audio)
        assert await warm.wait_for_audio(len(audio), 5), "the moved call carries audio both ways"
        await warm.stop()
        await waiting.close()
        await busy.stop()
        return warm

    warm = run(scenario())
    placed = bridge.wait_for_log(r"media stream moved to the pre-warmed session's loop")
    assert placed and "from_loop=0" in placed and "loop=1" in placed, placed
    used = bridge.wait_for_log(r"using the pre-warmed provider session")
    assert used and "loop=1" in used and warm.call_sid in used, used
    assert len(mock.handshakes()) == 2, "the warm call reused its session: no third handshake"
    assert warm.violations == []


def test_sigterm_drains_the_calls_of_both_loops(
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        pki: TestPKI) -> None:
    mock = start_mock()
    bridge = start_bridge(openai_env(mock, pki, EVENT_LOOPS="2", EVENT_LOOP_FILL="1", PREWARM="false"))

    async def scenario() -> None:
        first, heard_first = await live_call(bridge, seed=7)
        second, heard_second = await live_call(bridge, seed=8)
        bridge.proc.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(bridge.wait_for_log, r"draining: no new calls.*active_calls=2")
        assert await asyncio.to_thread(status_of, bridge.http_url + "/readyz") == 503
        await still_echoes(first, heard_first, seed=9)
        await still_echoes(second, heard_second, seed=10)
        await first.stop()
        assert bridge.alive(), "one loop's call is still live"
        await second.stop()

    run(scenario())
    assert bridge.proc.wait(10) == 0
    assert sorted(loops_of(bridge, "call ended").values()) == ["0", "1"]
    assert bridge.wait_for_log(r"drained: no calls left")


def test_event_loops_must_be_a_count(run_bridge: Callable[..., object]) -> None:
    bad = run_bridge("serve", env={"PORT": "0", "EVENT_LOOPS": "0"})
    assert bad.returncode == 2 and "EVENT_LOOPS" in bad.stderr, bad.stderr


def test_loop_0_takes_calls_up_to_the_fill_before_loop_1(
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        pki: TestPKI) -> None:
    mock = start_mock()
    bridge = start_bridge(openai_env(mock, pki, EVENT_LOOPS="2", EVENT_LOOP_FILL="2", PREWARM="false"))

    async def scenario() -> None:
        calls = [(await live_call(bridge, seed=20 + i))[0] for i in range(3)]
        for call in calls:
            await call.stop()

    run(scenario())
    loops = wait_until(lambda: (found := loops_of(bridge, "call ended")) and len(found) == 3 and found, 5)
    assert loops and sorted(loops.values()) == ["0", "0", "1"], f"two on loop 0, then loop 1: {loops}"


def test_event_loops_default_to_the_cpus_this_process_may_use(
        start_bridge: Callable[..., BridgeProcess]) -> None:
    import math
    import os
    cpus = len(os.sched_getaffinity(0))
    try:  # the cgroup's quota caps it, rounded up (cgroup v2)
        quota, period = open("/sys/fs/cgroup/cpu.max").read().split()
        if quota != "max":
            cpus = min(cpus, math.ceil(int(quota) / int(period)))
    except (OSError, ValueError):
        pass
    bridge = start_bridge({"EVENT_LOOPS": "auto"})
    line = bridge.wait_for_log(r'msg="listening"')
    assert line and f'event_loops="{cpus} (auto: CPUs this process may use)"' in line, line
    assert f"max_calls={200 * cpus} " in line, "MAX_CALLS's automatic size is 200 per loop"
