"""Tools on a live call: web_search over Tavily (HTTPS mock on loopback) and hang_up.

The mock provider makes the function calls (`--tool-call`), the mock Tavily answers them
(`Tests/peers/mock_tavily.py`), a fake Twilio caller talks throughout. The point of the first
test is that a search that takes 2 s stalls nothing: audio keeps flowing both ways meanwhile.
"""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path
from typing import Any, Callable

import pytest
from harness import (
    launch_peer,
    BridgeProcess,
    ManagedProcess,
    MockProcess,
    RecordingPeerProcess,
    caller_audio,
    openai_env,
    parse_logfmt,
    run,
    wait_until,
)

from peers.certs import TestPKI
from peers.fake_twilio import FakeTwilioCall
from peers.mock_provider import GREETING_AUDIO
from peers.realtime_schema import check_events

TAVILY_KEY = "tvly-test-Secret-9b8c7d6e5f"
QUERY = "weather in Paris"
FRAME = 160  # 20 ms of μ-law
MAX_GAP = 0.040


class TavilyProcess(RecordingPeerProcess):
    def records(self, kind: str | None = None) -> list[dict[str, Any]]:
        return [r for r in self.all_records() if kind in (None, r["kind"])]


@pytest.fixture
def start_tavily(pki: TestPKI, tmp_path: Path, processes: list[ManagedProcess]
                 ) -> Callable[..., TavilyProcess]:
    counter = iter(range(1, 100))

    def start(*args: str) -> TavilyProcess:
        cert, key = pki.localhost
        return launch_peer(TavilyProcess, f"tavily{next(counter)}", "mock_tavily.py",
                           ["--cert", str(cert), "--key", str(key), "--api-key", TAVILY_KEY, *args],
                           tmp_path, processes)
    return start


@pytest.fixture
def start_proxy(tmp_path: Path, processes: list[ManagedProcess]) -> Callable[..., RecordingPeerProcess]:
    """Tests/peers/connect_proxy.py: a CONNECT proxy that records each tunnel it is asked for."""
    counter = iter(range(1, 100))

    def start(*args: str) -> RecordingPeerProcess:
        return launch_peer(RecordingPeerProcess, f"proxy{next(counter)}", "connect_proxy.py", list(args),
                           tmp_path, processes)
    return start


def tool_env(mock: MockProcess, pki: TestPKI, tavily: TavilyProcess | None, **extra: str
             ) -> dict[str, str]:
    env = openai_env(mock, pki, GREETING="", **extra)
    if tavily is not None:
        env.update(TAVILY_API_KEY=TAVILY_KEY, TAVILY_BASE_URL=f"https://localhost:{tavily.port}")
    return env


def tool_call_args(name: str, arguments: dict[str, Any], after: int, audio_bytes: int = 0
                   ) -> list[str]:
    return ["--timestamps", "--tool-call", f"{name}:{json.dumps(arguments)}",
            "--tool-call-after", str(after), "--tool-call-audio-bytes", str(audio_bytes)]


def sent_event(mock: MockProcess, conn: int, kind: str) -> dict[str, Any] | None:
    return next((r for r in mock.records() if r["kind"] == "sent" and r["conn"] == conn
                 and r["event"]["type"] == kind), None)


def received(mock: MockProcess, conn: int) -> list[dict[str, Any]]:
    """Client-event records of `conn`, with their `t`."""
    return [r for r in mock.records() if r["kind"] == "event" and r["conn"] == conn and "event" in r]


def gaps(times: list[float]) -> list[float]:
    return [b - a for a, b in zip(times, times[1:])]


def log_lines(bridge: BridgeProcess, msg: str) -> list[dict[str, str]]:
    return [f for f in map(parse_logfmt, bridge.log_lines()) if f and f.get("msg") == msg]


# Timing is measured by Python peers on the same 2 cores as the bridge: one rerun absorbs a
# scheduling hiccup of the peers; a bridge that stalls audio fails both runs.
@pytest.mark.flaky(reruns=1)
def test_web_search_over_https_never_stalls_audio(start_bridge: Callable[..., BridgeProcess],
                                                  start_mock: Callable[..., MockProcess],
                                                  start_tavily: Callable[..., TavilyProcess],
                                                  pki: TestPKI) -> None:
    tavily = start_tavily("--delay-ms", "2000")
    mock = start_mock(*tool_call_args("web_search", {"query": QUERY}, after=10))
    bridge = start_bridge(tool_env(mock, pki, tavily))
    audio = caller_audio(seed=41, frames=200)  # 4 s of caller audio, sent in real time

    async def scenario() -> FakeTwilioCall:
        call = FakeTwilioCall(bridge.ws_url, pace=1.0)
        await call.connect()
        await call.start()
        await call.send_audio(audio)
        # The answer: the mock's spoken response to the bridge's response.create.
        await call.wait_for_audio(len(audio) + len(GREETING_AUDIO), timeout=5)
        await asyncio.sleep(0.2)
        await call.stop()
        return call

    call = run(scenario())
    assert call.violations == []

    # The bridge offered both tools in session.update.
    update = mock.client_events(1)[0]
    assert update["type"] == "session.update"
    tools = {t["name"]: t for t in update["session"]["tools"]}
    assert set(tools) == {"web_search", "hang_up"}
    assert tools["web_search"]["parameters"]["required"] == ["query"]
    assert update["session"]["tool_choice"] == "auto"

    # Tavily got the documented request, over TLS, with the key as a bearer token.
    (request,) = tavily.records("request")
    assert request["path"] == "/search"
    assert request["headers"]["authorization"] == f"Bearer {TAVILY_KEY}"
    assert request["headers"]["content-type"] == "application/json"
    assert request["body"] == {"query": QUERY, "search_depth": "basic", "topic": "general",
                               "max_results": 5, "include_answer": True}
    (response,) = tavily.records("response")
    assert response["status"] == 200 and response["t"] - request["t"] >= 2.0

    # The function call and its answer, on the provider side.
    call_done = sent_event(mock, 1, "response.function_call_arguments.done")
    assert call_done is not None
    call_id = call_done["event"]["call_id"]
    events = received(mock, 1)
    types = [r["event"]["type"] for r in events]
    outputs = [r for r in events if r["event"]["type"] == "conversation.item.create"]
    assert len(outputs) == 1, types
    item = outputs[0]["event"]["item"]
    assert item["type"] == "function_call_output" and item["call_id"] == call_id
    answer = json.loads(item["output"])
    assert answer["answer"] == f"Mock answer about {QUERY}."
    assert [r["url"] for r in answer["results"]] == ["https://example.org/weather-in-paris",
                                                     "https://example.net/weather-in-paris"]
    assert len(item["output"].encode()) <= 3000
    assert len(answer["results"][0]["content"]) <= 400, "content is trimmed for the model"
    out_index = events.index(outputs[0])
    creates = [i for i, t in enumerate(types) if t == "response.create"]
    assert creates == [out_index + 1] or (len(creates) == 1 and creates[0] > out_index), \
        f"one response.create, after the output: {types}"
    assert outputs[0]["t"] >= response["t"]

    # While the search ran, caller audio kept reaching the provider without a gap.
    waiting = (call_done["t"], outputs[0]["t"])
    assert waiting[1] - waiting[0] >= 1.9
    appends = [r for r in events if r["event"]["type"] == "input_audio_buffer.append"]
    assert [r["event"]["audio"] for r in appends] == call.sent_payloads, "every frame, in order"
    sent_at = dict(zip(call.sent_payloads, call.sent_times))
    during = [r for r in appends if waiting[0] <= r["t"] <= waiting[1]]
    assert len(during) >= 90, f"only {len(during)} caller frames reached the provider during the search"
    transit = [r["t"] - sent_at[r["event"]["audio"]] for r in during]
    assert max(transit) < MAX_GAP, f"caller frame delayed {max(transit) * 1000:.0f} ms by the bridge"
    arrival_gaps = gaps([r["t"] for r in during])
    sender_gaps = gaps([sent_at[r["event"]["audio"]] for r in during])
    # A gap the caller itself made (a late timer on this busy machine) is not the bridge's.
    bridge_gaps = [g for g, s in zip(arrival_gaps, sender_gaps) if s < MAX_GAP]
    assert max(bridge_gaps) < MAX_GAP, f"a {max(bridge_gaps) * 1000:.0f} ms gap toward the provider"

    # …and provider audio kept reaching the caller: each echo came back at once, no gap.
    echoes = {p: t for p, t in zip((base64.b64encode(c).decode() for c in call.media_chunks),
                                   call.media_times)}
    round_trips = [echoes[r["event"]["audio"]] - sent_at[r["event"]["audio"]] for r in during]
    assert max(round_trips) < MAX_GAP, f"provider audio reached the caller {max(round_trips) * 1000:.0f} ms late"
    heard = [echoes[r["event"]["audio"]] for r in during]
    caller_gaps = [g for g, s in zip(gaps(heard), sender_gaps) if s < MAX_GAP]
    assert max(caller_gaps) < MAX_GAP, f"a {max(caller_gaps) * 1000:.0f} ms gap toward the caller"

    # The spoken answer (everything that is not an echo) reached the caller after the output.
    sent = set(call.sent_payloads)
    spoken = [(c, t) for c, t in zip(call.media_chunks, call.media_times)
              if base64.b64encode(c).decode() not in sent]
    assert b"".join(c for c, _ in spoken) == GREETING_AUDIO
    assert spoken[0][1] >= outputs[0]["t"]

    called = log_lines(bridge, "tool called")
    assert [(f["tool"], f["call_id"]) for f in called] == [("web_search", call_id)]
    answered = log_lines(bridge, "tool answered")
    assert answered and int(answered[0]["ms"]) >= 1900
    assert TAVILY_KEY not in bridge.stderr()


@pytest.mark.parametrize("refused", ["first", "every"])
def test_a_refused_response_create_after_tool_outputs_is_retried_once(
        refused: str, start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        start_tavily: Callable[..., TavilyProcess], pki: TestPKI) -> None:
    """The provider answers the bridge's response.create after a web_search output with an error
    naming its event_id: the bridge retries once a second later, and never more."""
    tavily = start_tavily()
    which = ["--refuse-response-create-which", "1"] if refused == "first" else []
    mock = start_mock(*tool_call_args("web_search", {"query": QUERY}, after=3),
                      "--refuse-response-create", "server_error", *which)
    bridge = start_bridge(tool_env(mock, pki, tavily))  # GREETING="": every response.create is the runner's
    audio = caller_audio(seed=43, frames=5)

    async def scenario() -> FakeTwilioCall:
        call = FakeTwilioCall(bridge.ws_url, pace=1.0)
        await call.connect()
        await call.start()
        await call.send_audio(audio)
        if refused == "first":
            assert await call.wait_for_audio(len(audio) + len(GREETING_AUDIO), timeout=6), "the answer was never spoken"
        else:
            await asyncio.sleep(3.5)  # room for a third response.create, which must not come
        await call.stop()
        return call

    call = run(scenario())
    events = received(mock, 1)
    assert check_events([r["event"] for r in events], "ga", "client") == []
    creates = [r for r in events if r["event"]["type"] == "response.create"]
    assert len(creates) == 2, [r["event"]["type"] for r in events]
    ids = [r["event"].get("event_id") for r in creates]
    assert all(ids) and ids[0] != ids[1], ids
    refusals = [r for r in mock.records() if r["kind"] == "sent" and r["event"]["type"] == "error"]
    assert [r["event"]["error"]["event_id"] for r in refusals] == ids[:len(refusals)]
    assert len(refusals) == (1 if refused == "first" else 2)
    delay = creates[1]["t"] - refusals[0]["t"]
    assert 0.9 <= delay < 2.0, f"retried {delay:.2f} s after the refusal"
    retrying = log_lines(bridge, "provider refused response.create after tool outputs; retrying once")
    assert len(retrying) == 1 and retrying[0]["code"] == "server_error"
    assert "Mock refusal of response.create" in retrying[0]["message"]
    again = log_lines(bridge, "provider refused response.create again after tool outputs; the answer waits "
                              "for the next tool output or the caller's next turn")
    assert len(again) == (0 if refused == "first" else 1)
    if refused == "first":
        sent = set(call.sent_payloads)
        spoken = b"".join(c for c in call.media_chunks if base64.b64encode(c).decode() not in sent)
        assert spoken == GREETING_AUDIO, "the retried response spoke the answer"
    assert bridge.alive()


def test_two_calls_in_one_response_are_both_answered_before_the_one_response_create(
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        start_tavily: Callable[..., TavilyProcess], pki: TestPKI) -> None:
    """The model calls web_search twice in one response; the first search answers at once, the
    second 0.8 s later (answered in the order they were made). The model must get both outputs
    before its single response.create, or it answers with one result missing."""
    tavily = start_tavily("--script", "ok,sleep", "--sleep-ms", "800")
    mock = start_mock("--timestamps", "--tool-call", f"web_search:{json.dumps({'query': 'first question'})}",
                      "--tool-call", f"web_search:{json.dumps({'query': 'second question'})}",
                      "--tool-call-after", "3")
    bridge = start_bridge(tool_env(mock, pki, tavily))
    audio = caller_audio(seed=44, frames=5)

    async def scenario() -> None:
        call = FakeTwilioCall(bridge.ws_url, pace=1.0)
        await call.connect()
        await call.start()
        await call.send_audio(audio)
        assert await call.wait_for_audio(len(audio) + len(GREETING_AUDIO), timeout=6), "the answer was never spoken"
        await call.stop()

    run(scenario())
    kinds = []
    for record in received(mock, 1):
        event = record["event"]
        if event["type"] == "conversation.item.create" and event["item"]["type"] == "function_call_output":
            kinds.append("output")
        elif event["type"] == "response.create":
            kinds.append("create")
    assert kinds == ["output", "output", "create"], kinds
    assert [r["n"] for r in tavily.records("response")] == [1, 2]


@pytest.mark.parametrize("route", ["proxy", "no_proxy"])
def test_https_proxy_set_only_in_dotenv_carries_web_search_too(
        route: str, start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        start_tavily: Callable[..., TavilyProcess], start_proxy: Callable[..., RecordingPeerProcess],
        pki: TestPKI) -> None:
    """HTTPS_PROXY (and NO_PROXY) written only in .env: libcurl, which reads only the process
    environment, gets them from the bridge, so Tavily goes the way the realtime socket goes."""
    secret = "s3cret-proxy-pass"
    tavily = start_tavily()
    proxy = start_proxy("--require-auth", f"alice:{secret}")
    mock = start_mock(*tool_call_args("web_search", {"query": QUERY}, after=3))
    dotenv = f"HTTPS_PROXY=http://alice:{secret}@127.0.0.1:{proxy.port}\n"
    if route == "no_proxy":
        dotenv += "NO_PROXY=example.com,localhost\n"
    bridge = start_bridge(tool_env(mock, pki, tavily), dotenv=dotenv)
    audio = caller_audio(seed=47, frames=5)

    async def scenario() -> None:
        call = FakeTwilioCall(bridge.ws_url, pace=1.0)
        await call.connect()
        await call.start()
        await call.send_audio(audio)
        assert await call.wait_for_audio(len(audio) + len(GREETING_AUDIO), timeout=6), "the answer was never spoken"
        await call.stop()

    run(scenario())
    (request,) = tavily.records("request")
    assert request["headers"]["authorization"] == f"Bearer {TAVILY_KEY}"
    outputs = [e["item"] for e in mock.client_events(1) if e["type"] == "conversation.item.create"]
    assert json.loads(outputs[0]["output"])["answer"] == f"Mock answer about {QUERY}."
    tunnels = {(r["target"], r["status"]) for r in proxy.all_records()}
    if route == "proxy":
        assert tunnels == {(f"localhost:{mock.port}", 200), (f"localhost:{tavily.port}", 200)}, tunnels
        assert all(str(r["auth"]).startswith("Basic ") for r in proxy.all_records())
    else:
        assert tunnels == set(), "NO_PROXY=localhost: both the realtime socket and Tavily go direct"
    assert secret not in bridge.stderr()


@pytest.mark.slow
def test_web_search_failures_give_the_model_an_unavailable_output(
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        start_tavily: Callable[..., TavilyProcess], pki: TestPKI) -> None:
    script = ["401", "429", "432", "433", "503", "badjson", "sleep"]
    causes = ["unauthorized", "rate_limited", "plan_limit", "pay_as_you_go_limit", "server_error",
              "bad_response", "timed_out"]
    tavily = start_tavily("--script", ",".join(script), "--sleep-ms", "3000")
    mock = start_mock(*tool_call_args("web_search", {"query": QUERY}, after=3))
    bridge = start_bridge(tool_env(mock, pki, tavily, TAVILY_TIMEOUT_MS="800"))

    async def one_call(conn: int) -> None:
        call = FakeTwilioCall(bridge.ws_url, pace=0.5)
        await call.connect()
        await call.start()
        await call.send_audio(caller_audio(seed=conn, frames=5))

        def answered() -> bool:
            types = [e["type"] for e in mock.client_events(conn)]
            return "conversation.item.create" in types and \
                "response.create" in types[types.index("conversation.item.create"):]
        for _ in range(60):
            if answered():
                break
            await asyncio.sleep(0.05)
        await call.stop()

    async def scenario() -> None:
        for conn in range(1, len(script) + 1):
            await one_call(conn)

    run(scenario(), timeout=60)
    for conn, status in enumerate(script, start=1):
        events = mock.client_events(conn)
        outputs = [e["item"] for e in events if e["type"] == "conversation.item.create"]
        assert len(outputs) == 1, f"call {conn} ({status}): {[e['type'] for e in events]}"
        assert "web search is unavailable right now" in outputs[0]["output"].lower(), (status, outputs)
        types = [e["type"] for e in events]
        assert types.count("response.create") == 1, f"{status}: the model must get to say it"
    failed = log_lines(bridge, "web search failed")
    assert [f["cause"] for f in failed] == causes
    statuses = [f.get("status") for f in failed]
    assert statuses == ["401", "429", "432", "433", "503", "200", None]
    assert "TAVILY_API_KEY" in failed[0]["error"] and "TAVILY_TIMEOUT_MS=800" in failed[-1]["error"]
    assert all(f.get("call") for f in failed), "each line names its call"
    assert bridge.alive(), "failures end nothing but the search"


def test_call_ending_during_a_search_cancels_the_transfer(
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        start_tavily: Callable[..., TavilyProcess], pki: TestPKI) -> None:
    tavily = start_tavily("--delay-ms", "5000")
    mock = start_mock(*tool_call_args("web_search", {"query": QUERY}, after=3))
    bridge = start_bridge(tool_env(mock, pki, tavily))

    async def scenario() -> float:
        call = FakeTwilioCall(bridge.ws_url, pace=1.0)
        await call.connect()
        await call.start()
        await call.send_audio(caller_audio(seed=7, frames=10))
        for _ in range(100):
            if tavily.records("request"):
                break
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.3)
        await call.stop()
        return asyncio.get_running_loop().time()

    hung_up_at = run(scenario())
    aborted = wait_until(lambda: tavily.records("aborted"), 2.0)
    assert aborted, "the search's connection stayed open after the call ended"
    assert aborted[0]["t"] - hung_up_at < 1.0
    assert tavily.records("response") == [], "the search was not left to finish"
    assert bridge.wait_for_log(r"tool cancelled because the call ended", 1)
    assert [e for e in mock.client_events(1) if e["type"] == "conversation.item.create"] == []


def test_hang_up_closes_the_line_after_the_goodbye_played(
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        pki: TestPKI, run_bridge: Callable[..., Any]) -> None:
    goodbye = 12_000  # 1.5 s of assistant audio before the hang_up call
    mock = start_mock(*tool_call_args("hang_up", {}, after=3, audio_bytes=goodbye))
    bridge = start_bridge(tool_env(mock, pki, None))
    assert bridge.wait_for_log(r"web_search is not offered: TAVILY_API_KEY is not set", 1)

    async def scenario() -> tuple[FakeTwilioCall, float]:
        call = FakeTwilioCall(bridge.ws_url, pace=1.0)
        await call.connect()
        await call.start()
        await call.send_audio(caller_audio(seed=9, frames=3))
        assert await call.wait_closed(timeout=6), "the bridge never hung up"
        return call, asyncio.get_running_loop().time()

    call, closed_at = run(scenario())
    assert call.closed_by_bridge and call.close_code == 1000
    assert len(call.audio) == 3 * FRAME + goodbye, "the whole goodbye was sent"
    assert closed_at >= call.play_end - 0.05, \
        f"closed {call.play_end - closed_at:.2f} s before the goodbye finished playing"
    assert closed_at - call.play_end < 1.0
    tools = [t["name"] for t in mock.client_events(1)[0]["session"]["tools"]]
    assert tools == ["hang_up"], "web_search is not offered without TAVILY_API_KEY"
    events = mock.client_events(1)
    outputs = [e["item"] for e in events if e["type"] == "conversation.item.create"]
    assert len(outputs) == 1 and outputs[0]["type"] == "function_call_output"
    assert "response.create" not in [e["type"] for e in events], "no new response after hang_up"
    ended = log_lines(bridge, "assistant ended the call")
    assert ended and ended[0]["why"] == "goodbye played"
    assert log_lines(bridge, "call ended")[0]["outcome"] == "completed"


def test_a_slow_tool_plays_hold_audio_until_the_answer_which_clears_it_first(
        start_bridge: Callable[..., BridgeProcess], start_mock: Callable[..., MockProcess],
        start_tavily: Callable[..., TavilyProcess], pki: TestPKI) -> None:
    from harness import REPO_ROOT
    hold = (REPO_ROOT / "config" / "prompts" / "hold.ulaw").read_bytes()
    tavily = start_tavily("--delay-ms", "2000")
    mock = start_mock("--no-echo", *tool_call_args("web_search", {"query": QUERY}, after=5))
    bridge = start_bridge(tool_env(mock, pki, tavily, HOLD_AUDIO_FILE=str(REPO_ROOT / "config/prompts/hold.ulaw")))

    async def scenario() -> FakeTwilioCall:
        call = FakeTwilioCall(bridge.ws_url, pace=1.0)
        await call.connect()
        await call.start()
        sending = asyncio.create_task(call.send_audio(bytes([0xFF]) * 160 * 200))
        for _ in range(160):  # hold, then the answer (after Tavily's 2 s)
            if b"".join(call.media_chunks).endswith(GREETING_AUDIO):
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)
        sending.cancel()
        await call.stop()
        return call

    call = run(scenario(), timeout=20)
    assert call.violations == []
    received = b"".join(call.media_chunks)
    assert received.startswith(hold[:800]), "the hold loop came first"
    assert received.endswith(GREETING_AUDIO), "then the answer, whole"
    kinds = [m["event"] for m in call.received]
    assert "clear" in kinds and "mark" in kinds and kinds.index("clear") < kinds.index("mark"), \
        "hold audio carries no marks, and is cleared before the answer's first"
    assert call.clears == 1
    line = bridge.wait_for_log(r'msg="playing hold audio while a tool runs"', 2)
    assert line and 600 <= int(parse_logfmt(line)["after_ms"]) <= 1000, line
