#!/usr/bin/env python3
"""A mock of a business's JSON API, the kind an HTTP tool file (config/tools/*.json) calls.

Every request (any method, any path) is recorded, then answered according to the next entry of
--script (the last entry repeats):

  ok        200 with the appointment document below (deterministic, so tests can check what
            reached the model after the tool's `keep` and `max_bytes`)
  badjson   200 with a body that is not JSON
  hang      nothing for --sleep-ms (longer than the tool's timeout_ms), then `ok`
  NNN       that HTTP status with {"error": "…", "seen": "<the bearer token it got>"}

--record FILE writes JSON lines, each with `n` (1-based request number) and `t` (time.monotonic()):
  {"kind":"request","n":1,"t":…,"method":"GET","target":"/a/%2B46?x=1","headers":{lower-case: value},"body":{…}|null,"raw":"…"}
  {"kind":"response","n":1,"t":…,"status":200}

Prints `listening port=N` on stdout when ready. HTTPS (--cert/--key) or --plain.
"""

from __future__ import annotations

import argparse
import json
import signal
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

NOTES = "Bring the referral letter and arrive ten minutes early. " * 60  # ~3.4 kB

DOCUMENT: dict[str, Any] = {
    "appointment": {"time": "2026-12-07T09:30:00+01:00", "doctor": "Dr Lind", "notes": NOTES,
                    "internal_id": "APT-99121"},
    "patient": {"name": "Ada Lovelace", "ssn": "19121212-1212"},
    "billing": {"card_last4": "4242"},
}


class MockBusinessAPI:
    def __init__(self, script: list[str], sleep_ms: int, record: Path | None) -> None:
        self.script = script
        self.sleep_ms = sleep_ms
        self._lock = threading.Lock()
        self._count = 0
        self._file = open(record, "a", encoding="utf-8") if record else None

    def next_request(self) -> tuple[int, str]:
        with self._lock:
            self._count += 1
            n = self._count
        return n, self.script[min(n, len(self.script)) - 1]

    def write(self, record: dict[str, Any]) -> None:
        record = {**record, "t": time.monotonic()}
        with self._lock:
            if self._file:
                self._file.write(json.dumps(record, separators=(",", ":")) + "\n")
                self._file.flush()


def make_handler(mock: MockBusinessAPI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "mock-business-api/1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass  # quiet: the record file tells what happened

        def handle_any(self) -> None:
            n, action = mock.next_request()
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode("utf-8", "replace")
            try:
                body = json.loads(raw) if raw else None
            except json.JSONDecodeError:
                body = None
            mock.write({"kind": "request", "n": n, "method": self.command, "target": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": body, "raw": raw})
            if action == "hang":
                time.sleep(mock.sleep_ms / 1000)
            if action in ("ok", "hang"):
                self.reply(n, 200, json.dumps(DOCUMENT).encode())
            elif action == "badjson":
                self.reply(n, 200, b"<html>maintenance</html>", content_type="text/html")
            else:
                # Echo the credential, as careless APIs do: the bridge's log must redact it.
                seen = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
                self.reply(n, int(action), json.dumps({"error": "mock failure", "seen": seen}).encode())

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = handle_any  # noqa: N815

        def reply(self, n: int, status: int, data: bytes, content_type: str = "application/json") -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:
                self.close_connection = True  # the client gave up (a timeout): nothing to answer
                return
            mock.write({"kind": "response", "n": n, "status": status})

    return Handler


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 = any free port (printed)")
    p.add_argument("--cert", type=Path, help="PEM certificate for TLS")
    p.add_argument("--key", type=Path, help="PEM private key for TLS")
    p.add_argument("--plain", action="store_true", help="no TLS (http://)")
    p.add_argument("--script", default="ok", help="comma-separated: ok, badjson, hang, or a status")
    p.add_argument("--sleep-ms", type=int, default=10_000, help="how long a `hang` entry waits")
    p.add_argument("--record", type=Path, help="append JSON-line records to this file")
    a = p.parse_args(argv)
    if not a.plain and not (a.cert and a.key):
        p.error("TLS needs --cert and --key; pass --plain for http://")
    script = [x.strip() for x in a.script.split(",") if x.strip()]
    for entry in script:
        if entry not in ("ok", "badjson", "hang") and not entry.isdigit():
            p.error(f"--script entry {entry!r}: use ok, badjson, hang or an HTTP status")
    mock = MockBusinessAPI(script or ["ok"], a.sleep_ms, a.record)
    server = ThreadingHTTPServer((a.host, a.port), make_handler(mock))
    server.daemon_threads = True
    if not a.plain:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.cert, a.key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(f"listening port={server.server_address[1]} tls={'no' if a.plain else 'yes'}", flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    try:
        main()
    except (OSError, ssl.SSLError) as exc:
        print(f"mock_business_api: {exc}", file=sys.stderr)
        sys.exit(1)
