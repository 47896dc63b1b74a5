"""The browser console (`GET /console`) in a real browser: headless Chromium driven by Selenium.

Chromium's fake media devices play a WAV as the microphone: the test presses Talk, the page
speaks Twilio's Media Streams protocol to /media-stream from an AudioWorklet, and the local
parrot answers. A second browser watches the same call live over Server-Sent Events. Screenshots
land in the test's tmp dir. Skipped only when Chromium, its driver or Selenium is absent (CI
installs them: scripts/test).
"""

from __future__ import annotations

import base64
import shutil
import struct
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
from harness import OPENAI_KEY, BridgeProcess, wait_until

from peers.audio_tools import pcm16_silence, pcm16_tone

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
CHROMEDRIVER = shutil.which("chromedriver")
PASSWORD = "correct-horse-battery-staple"
RATE = 16_000


def caller_wav(path: Path) -> Path:
    """The caller's voice, looped by Chromium: silence, 1.2 s of a 350 Hz tone, silence (16-bit PCM)."""
    pcm = (pcm16_silence(1.0, rate=RATE) + pcm16_tone(1.2, 350.0, dbfs=-10.0, rate=RATE)
           + pcm16_silence(1.8, rate=RATE))
    fmt = struct.pack("<HHIIHH", 1, 1, RATE, RATE * 2, 2, 16)
    chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(pcm)) + pcm
    path.write_bytes(b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks)
    return path


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Callable[..., Any]]:
    """browser() -> a headless Chromium (Selenium WebDriver) whose microphone plays a WAV."""
    if CHROMIUM is None or CHROMEDRIVER is None:
        pytest.skip("chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.skip("selenium is not installed (pip install -r Tests/requirements.txt)")
    wav = caller_wav(tmp_path / "caller.wav")
    drivers: list[Any] = []

    def start() -> Any:
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1280,900", "--use-fake-ui-for-media-stream",
                     "--use-fake-device-for-media-stream", f"--use-file-for-fake-audio-capture={wav}",
                     "--autoplay-policy=no-user-gesture-required", "--mute-audio"):
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        drivers.append(driver)
        return driver

    yield start
    for driver in drivers:
        driver.quit()


def text(driver: Any, element_id: str) -> str:
    return driver.execute_script(f"return document.getElementById('{element_id}').textContent")


def number(driver: Any, element_id: str) -> int:
    value = text(driver, element_id)
    return int(value) if value.isdigit() else 0


def page_state(driver: Any) -> str:
    """What the page shows, for failure messages."""
    return driver.execute_script(
        "return ['status','call-state','frames-sent','frames-received','marks-echoed','first-audio-ms']"
        ".map(id => id + '=' + document.getElementById(id).textContent).join(' ')"
        " + ' | rows: ' + Array.from(document.querySelectorAll('#call-rows tr'))"
        ".map(r => r.dataset.callSid + ':' + r.dataset.state).join(',')"
        " + ' | transcript: ' + document.getElementById('transcript').innerText")


def transcript(driver: Any, kind: str = "utterance", role: str = "assistant") -> list[str]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll(`#transcript li[data-kind='${arguments[0]}']`))"
        ".filter(li => li.dataset.role === arguments[1]).map(li => li.textContent)", kind, role)


def row_state(driver: Any, call_sid: str) -> str | None:
    return driver.execute_script(
        "const row = document.querySelector(`#call-rows tr[data-call-sid='${arguments[0]}']`);"
        "return row ? row.dataset.state : null", call_sid)


def open_console(driver: Any, bridge: BridgeProcess) -> None:
    driver.get(f"{bridge.http_url}/console")
    assert wait_until(lambda: text(driver, "status") == "Live", 10), f"events never connected: {page_state(driver)}"


def test_console_talk_reaches_the_parrot_and_a_second_browser_watches_live(
        start_bridge: Callable[..., BridgeProcess], browser: Callable[..., Any], tmp_path: Path) -> None:
    bridge = start_bridge({})
    assert bridge.wait_for_log(r'msg="console on".*access="open', 2), "no 'console on' line"
    caller = browser()
    open_console(caller, bridge)
    assert wait_until(lambda: caller.find_element("id", "talk-button").is_enabled(), 5), "Talk stayed disabled"
    caller.find_element("id", "talk-button").click()

    assert wait_until(lambda: text(caller, "talk-call-sid").startswith("CA"), 10), page_state(caller)
    call_sid = text(caller, "talk-call-sid")
    assert wait_until(lambda: row_state(caller, call_sid) == "active", 10), f"call not listed: {page_state(caller)}"
    # The parrot answers the tone it heard from the WAV; its reply comes back as audio.
    assert wait_until(lambda: any("repeated" in line for line in transcript(caller)), 25), \
        f"no parrot answer in the transcript: {page_state(caller)}\n{bridge.report()}"
    assert wait_until(lambda: number(caller, "frames-received") > 50, 10), page_state(caller)
    assert number(caller, "frames-sent") > 100, page_state(caller)
    assert wait_until(lambda: number(caller, "marks-echoed") > 0, 10), f"no mark echoed: {page_state(caller)}"
    assert text(caller, "first-audio-ms").endswith(" ms"), page_state(caller)
    assert any("greeting chime" in line for line in transcript(caller)), page_state(caller)

    watcher = browser()
    open_console(watcher, bridge)
    assert wait_until(lambda: row_state(watcher, call_sid) == "active", 5), f"watcher: {page_state(watcher)}"
    assert wait_until(lambda: any("repeated" in line for line in transcript(watcher)), 5), page_state(watcher)
    before = len(transcript(watcher))
    # Live: the parrot answers the next loop of the WAV while the watcher looks on.
    assert wait_until(lambda: len(transcript(watcher)) > before, 20), f"nothing new live: {page_state(watcher)}"
    caller.save_screenshot(str(tmp_path / "console-caller.png"))
    watcher.save_screenshot(str(tmp_path / "console-watcher.png"))

    caller.find_element("id", "talk-button").click()  # hang up
    assert wait_until(lambda: row_state(watcher, call_sid) == "ended", 10), page_state(watcher)
    row = watcher.find_element("css selector", f"#call-rows tr[data-call-sid='{call_sid}']").text
    assert "caller hung up" in row, row
    assert bridge.wait_for_log(rf"call ended.*outcome=caller_hung_up", 5) or \
        bridge.wait_for_log(rf"outcome=caller_hung_up", 1), bridge.report()
    watcher.save_screenshot(str(tmp_path / "console-ended.png"))
    assert bridge.alive()


def get(url: str, password: str | None = None, timeout: float = 5.0) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url)
    if password is not None:
        request.add_header("Authorization", "Basic " + base64.b64encode(f"ops:{password}".encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read(200)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_console_refuses_without_the_password_when_one_is_set(
        start_bridge: Callable[..., BridgeProcess], browser: Callable[..., Any], tmp_path: Path) -> None:
    bridge = start_bridge({"CONSOLE_PASSWORD": PASSWORD})
    for path in ("/console", "/console/console.js", "/console/events", "/console/config"):
        status, headers, _ = get(bridge.http_url + path)
        assert status == 401, (path, status)
        assert headers.get("WWW-Authenticate", "").startswith("Basic realm="), headers
        assert get(bridge.http_url + path, password="wrong-password-here")[0] == 401
    status, _, body = get(bridge.http_url + "/console", password=PASSWORD)
    assert status == 200 and b"<!doctype html>" in body
    request = urllib.request.Request(bridge.http_url + "/console/events")
    request.add_header("Authorization", "Basic " + base64.b64encode(f"ops:{PASSWORD}".encode()).decode())
    with urllib.request.urlopen(request, timeout=5) as events:
        assert events.headers["Content-Type"].startswith("text/event-stream")
        lines = [events.readline() for _ in range(3)]  # retry, blank, the snapshot
        assert any(line.startswith(b'data: {"type":"snapshot"') for line in lines), lines
    assert PASSWORD not in bridge.stderr() + bridge.stdout(), "the console password was logged"

    page = browser()
    page.get(f"{bridge.http_url}/console")  # Chromium answers the challenge with no credentials
    assert not page.find_elements("id", "talk-button"), "the console page was shown without its password"
    assert page.title != "voice-bridge console"
    page.save_screenshot(str(tmp_path / "console-refused.png"))
    # With the password, the page and its event stream work.
    page.get(f"{bridge.http_url.replace('://', f'://ops:{PASSWORD}@')}/console")
    assert wait_until(lambda: text(page, "status") == "Live", 10), page_state(page)


def test_console_is_off_outside_development_mode_without_a_password(
        start_bridge: Callable[..., BridgeProcess]) -> None:
    bridge = start_bridge({"OPENAI_API_KEY": OPENAI_KEY, "TWILIO_VALIDATE_SIGNATURES": "",
                           "TWILIO_AUTH_TOKEN": "twilio-test-token-0123456789", "PREWARM": "false"})
    for path in ("/", "/console", "/console/events"):
        assert get(bridge.http_url + path)[0] == 404, path
    assert not bridge.wait_for_log(r"console on", 0.2)


def test_guessing_the_password_is_throttled_and_logged_in_aggregate(
        start_bridge: Callable[..., BridgeProcess]) -> None:
    bridge = start_bridge({"CONSOLE_PASSWORD": PASSWORD})
    statuses = [get(bridge.http_url + "/console", password=f"guess-number-{n:04d}")[0] for n in range(40)]
    assert statuses[:20] == [401] * 20 and set(statuses[20:]) == {429}, statuses
    assert get(bridge.http_url + "/console", password=PASSWORD)[0] == 429, "even the right password waits out the minute"
    lines = [ln for ln in bridge.log_lines() if "console refused: no valid password" in ln]
    assert 1 <= len(lines) <= 3, f"{len(lines)} lines for 20 refusals: the log must not grow with the guesses"
