#!/usr/bin/env python3
"""A receiver of the bridge's call events (EVENTS_URL), on Python's http.server, plain or HTTPS.

Each POST is answered with the next status of --script (comma-separated; the last repeats;
default 200) and recorded as one JSON line in --record, with `n` (1-based) and `t`:
  {"kind":"delivery","n":1,"t":…,"path":"/hook","headers":{lower-case: value},"body":"…","status":500}

"Down" is not an option here: a test gives the bridge a port nothing listens on yet, then starts
this receiver on it (--port N). Prints `listening port=N` on stdout when ready.
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


class Receiver:
    def __init__(self, script: list[int], record: Path | None) -> None:
        self.script = script
        self._lock = threading.Lock()
        self._count = 0
        self._file = open(record, "a", encoding="utf-8") if record else None

    def next_status(self) -> tuple[int, int]:
        with self._lock:
            self._count += 1
            return self._count, self.script[min(self._count, len(self.script)) - 1]

    def write(self, record: dict[str, Any]) -> None:
        with self._lock:
            if self._file:
                self._file.write(json.dumps({**record, "t": time.monotonic()}, separators=(",", ":")) + "\n")
                self._file.flush()


def make_handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "events-receiver/1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

        def do_POST(self) -> None:  # noqa: N802
            n, status = receiver.next_status()
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            receiver.write({"kind": "delivery", "n": n, "path": self.path,
                            "headers": {k.lower(): v for k, v in self.headers.items()},
                            "body": body.decode("utf-8"), "status": status})
            answer = b"{}"
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

    return Handler


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 = any free port (printed)")
    p.add_argument("--cert", type=Path, help="PEM certificate for TLS (else plain http)")
    p.add_argument("--key", type=Path, help="PEM private key for TLS")
    p.add_argument("--script", default="200", help="comma-separated HTTP statuses; the last repeats")
    p.add_argument("--record", type=Path, help="append JSON-line records to this file")
    a = p.parse_args(argv)
    script = [int(x) for x in a.script.split(",") if x.strip()] or [200]
    receiver = Receiver(script, a.record)
    ThreadingHTTPServer.allow_reuse_address = True
    server = ThreadingHTTPServer((a.host, a.port), make_handler(receiver))
    server.daemon_threads = True
    if a.cert and a.key:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.cert, a.key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(f"listening port={server.server_address[1]} tls={'yes' if a.cert else 'no'}", flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    try:
        main()
    except OSError as exc:
        print(f"events_receiver: {exc}", file=sys.stderr)
        sys.exit(1)
