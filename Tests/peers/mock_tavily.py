#!/usr/bin/env python3
"""A mock of Tavily's search API (PROTOCOLS.md §4), on Python's http.server, HTTPS or plain.

`POST /search` with `Authorization: Bearer <key>` and a JSON body answers, after --delay-ms,
according to the next entry of --script (the last entry repeats):

  ok        200 with Tavily's shape: an `answer` and two `results` built from the query
  badjson   200 with a body that is not JSON
  NNN       that HTTP status with Tavily's error body {"detail":{"error":"…"}}
  sleep     nothing for --sleep-ms (longer than the client's timeout), then `ok`

While it waits it watches the connection: a client that gives up (closes, or sends a TLS
close_notify) is recorded as `aborted` — how tests see that a cancelled search freed its socket.

--record FILE writes JSON lines, each with `n` (1-based request number) and `t` (time.monotonic()):
  {"kind":"request","n":1,"t":…,"method":"POST","path":"/search","headers":{lower-case: value},"body":{…}|null,"raw":"…"}
  {"kind":"response","n":1,"t":…,"status":200}
  {"kind":"aborted","n":1,"t":…}

Prints `listening port=N` on stdout when ready. HTTP/1.1 with keep-alive, like the real service.
"""

from __future__ import annotations

import argparse
import json
import select
import signal
import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ERRORS = {
    400: "Query is missing or invalid.",
    401: "Unauthorized: missing or invalid API key.",
    403: "Forbidden.",
    429: "Rate limit exceeded. Please try again later.",
    432: "This request exceeds your plan's set usage limit. Please upgrade your plan.",
    433: "This request exceeds the pay-as-you-go limit. You can increase your limit on the Tavily dashboard.",
    500: "Internal Server Error.",
    502: "Bad Gateway.",
    503: "Service Unavailable.",
}


def answer_for(query: str) -> dict[str, Any]:
    """The 200 body for `query`: deterministic, so tests can check what reached the model."""
    slug = "-".join(query.lower().split()) or "empty"
    return {
        "query": query,
        "answer": f"Mock answer about {query}.",
        "images": [],
        "results": [
            {"title": f"All about {query}", "url": f"https://example.org/{slug}",
             "content": f"A long article about {query}. " * 40, "score": 0.93,
             "raw_content": None},
            {"title": f"More on {query}", "url": f"https://example.net/{slug}",
             "content": f"Second result about {query}.", "score": 0.71, "raw_content": None},
        ],
        "response_time": 0.42,
        "request_id": "mock-request",
    }


class MockTavily:
    def __init__(self, script: list[str], delay_ms: int, sleep_ms: int, record: Path | None,
                 api_key: str | None) -> None:
        self.script = script
        self.delay_ms = delay_ms
        self.sleep_ms = sleep_ms
        self.api_key = api_key
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


def make_handler(mock: MockTavily) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "mock-tavily/1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass  # quiet: the record file tells what happened

        def do_POST(self) -> None:  # noqa: N802
            n, action = mock.next_request()
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode("utf-8", "replace")
            try:
                body = json.loads(raw)
            except json.JSONDecodeError:
                body = None
            mock.write({"kind": "request", "n": n, "method": "POST", "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "body": body, "raw": raw})
            if self.path != "/search":
                return self.reply(n, 404, {"detail": {"error": "Not Found"}})
            if mock.api_key is not None and \
                    self.headers.get("Authorization") != f"Bearer {mock.api_key}":
                return self.reply(n, 401, {"detail": {"error": ERRORS[401]}})
            wait = mock.sleep_ms if action == "sleep" else mock.delay_ms
            if not self.wait(wait / 1000):
                mock.write({"kind": "aborted", "n": n})
                self.close_connection = True
                return
            query = body.get("query", "") if isinstance(body, dict) else ""
            if action in ("ok", "sleep"):
                self.reply(n, 200, answer_for(query))
            elif action == "badjson":
                self.reply(n, 200, None, raw=b"<html>not json</html>")
            else:
                status = int(action)
                self.reply(n, status, {"detail": {"error": ERRORS.get(status, "Error.")}})

        def wait(self, seconds: float) -> bool:
            """Sleeps `seconds`; False as soon as the client gives up on the request."""
            deadline = time.monotonic() + seconds
            sock = self.connection
            while (left := deadline - time.monotonic()) > 0:
                readable, _, _ = select.select([sock], [], [], min(left, 0.02))
                pending = isinstance(sock, ssl.SSLSocket) and sock.pending() > 0
                if readable or pending:
                    # The request was read whole: anything now is EOF, a reset or a close_notify.
                    sock.settimeout(0.05)
                    try:
                        if sock.recv(1) == b"":
                            return False
                        return False  # bytes after a complete request: the client moved on
                    except (socket.timeout, ssl.SSLWantReadError):
                        pass  # part of a TLS record; look again
                    except (OSError, ssl.SSLError):
                        return False
                    finally:
                        sock.settimeout(None)
            return True

        def reply(self, n: int, status: int, body: Any, raw: bytes | None = None) -> None:
            data = raw if raw is not None else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            mock.write({"kind": "response", "n": n, "status": status})

    return Handler


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 = any free port (printed)")
    p.add_argument("--cert", type=Path, help="PEM certificate for TLS")
    p.add_argument("--key", type=Path, help="PEM private key for TLS")
    p.add_argument("--plain", action="store_true", help="no TLS (http://)")
    p.add_argument("--script", default="ok", help="comma-separated: ok, badjson, sleep, or a status")
    p.add_argument("--delay-ms", type=int, default=0, help="wait this long before each answer")
    p.add_argument("--sleep-ms", type=int, default=30_000, help="how long a `sleep` entry waits")
    p.add_argument("--api-key", help="answer 401 unless Authorization is Bearer this key")
    p.add_argument("--record", type=Path, help="append JSON-line records to this file")
    a = p.parse_args(argv)
    if not a.plain and not (a.cert and a.key):
        p.error("TLS needs --cert and --key; pass --plain for http://")
    script = [x.strip() for x in a.script.split(",") if x.strip()]
    for entry in script:
        if entry not in ("ok", "badjson", "sleep") and not entry.isdigit():
            p.error(f"--script entry {entry!r}: use ok, badjson, sleep or an HTTP status")
    mock = MockTavily(script or ["ok"], a.delay_ms, a.sleep_ms, a.record, a.api_key)
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
        print(f"mock_tavily: {exc}", file=sys.stderr)
        sys.exit(1)
