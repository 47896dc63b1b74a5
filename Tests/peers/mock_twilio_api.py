#!/usr/bin/env python3
"""A mock of Twilio's REST API for placing calls, plain HTTP on loopback.

`POST /2010-04-01/Accounts/{AccountSid}/Calls.json`, form-encoded, HTTP Basic, and the update of
a live call, `POST …/Calls/{CallSid}.json` with `Twiml` (a transfer's redirect; 200, or 21220 with
--refuse-updates). Checks, like
Twilio: the Basic credentials must be --user/--password (else 401 with error 20003); To is
required. The answer depends on To, so one mock serves every case:

  +15005550001  400 {"code":21211,"message":"The 'To' number +15005550001 is not a valid phone number.",…}
  +15005550002  400 {"code":21219,"message":"The number +15005550002 is unverified. Trial accounts …",…}
  +15005550003  400 {"code":21215,…}  (an error the bridge has no special advice for)
  +15005550004  500 with a body that is not JSON
  anything else 201 with Twilio's call resource: sid CA + 32 hex, status "queued", to, from

(The 15005550001/2 numbers echo Twilio's own test-credential magic numbers.)

--record FILE writes one JSON line per request:
  {"kind":"request","method":"POST","path":…,"headers":{lower-case: value},
   "form":[[name, value], …] (in order, repeated names kept),"raw":"…","status":201}

Prints `listening port=N` on stdout when ready.
"""

from __future__ import annotations

import argparse
import base64
import json
import secrets
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

MORE = "https://www.twilio.com/docs/errors/{}"
ERRORS: dict[str, tuple[int, int, str]] = {
    "+15005550001": (400, 21211, "The 'To' number +15005550001 is not a valid phone number."),
    "+15005550002": (400, 21219, "The number +15005550002 is unverified. Trial accounts cannot "
                                 "send messages to unverified numbers; verify +15005550002 at "
                                 "twilio.com/user/account/phone-numbers/verified, or purchase a "
                                 "Twilio number to send messages to unverified numbers."),
    "+15005550003": (400, 21215, "Account not authorized to call +15005550003. Perhaps you need "
                                 "to enable some international permissions."),
}


class MockTwilioAPI:
    def __init__(self, user: str, password: str, record: Path | None) -> None:
        self.user = user
        self.password = password
        self._lock = threading.Lock()
        self._file = open(record, "a", encoding="utf-8") if record else None
        self.refuse_updates = False

    def write(self, record: dict[str, Any]) -> None:
        with self._lock:
            if self._file:
                self._file.write(json.dumps(record, separators=(",", ":")) + "\n")
                self._file.flush()


def make_handler(mock: MockTwilioAPI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "mock-twilio-api/1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode("utf-8", "replace")
            form = parse_qsl(raw, keep_blank_values=True, strict_parsing=False)
            status, body = self.answer(form)
            mock.write({"kind": "request", "method": "POST", "path": self.path,
                        "headers": {k.lower(): v for k, v in self.headers.items()},
                        "form": form, "raw": raw, "status": status})
            self.reply(status, body)

        def answer(self, form: list[tuple[str, str]]) -> tuple[int, Any]:
            parts = self.path.split("/")
            # ['', '2010-04-01', 'Accounts', SID, 'Calls.json'], or an update of a live call:
            # ['', '2010-04-01', 'Accounts', SID, 'Calls', CallSid + '.json']
            if len(parts) == 6 and parts[1] == "2010-04-01" and parts[2] == "Accounts" and parts[4] == "Calls" \
                    and parts[5].endswith(".json"):
                return self.update(parts[3], parts[5][:-len(".json")], dict(form))
            if len(parts) != 5 or parts[1] != "2010-04-01" or parts[2] != "Accounts" \
                    or parts[4] != "Calls.json":
                return 404, error(20404, "The requested resource was not found", 404)
            expected = "Basic " + base64.b64encode(
                f"{mock.user}:{mock.password}".encode()).decode()
            if self.headers.get("Authorization") != expected:
                return 401, error(20003, "Authenticate", 401)
            if self.headers.get("Content-Type", "").split(";")[0] != \
                    "application/x-www-form-urlencoded":
                return 400, error(20001, "Content-Type must be form-encoded", 400)
            fields = dict(form)
            to = fields.get("To")
            if not to:
                return 400, error(21201, "No 'To' number is specified", 400)
            if to in ERRORS:
                status, code, message = ERRORS[to]
                return status, error(code, message, status)
            if to == "+15005550004":
                return 500, "<html>upstream exploded</html>"
            sid = "CA" + secrets.token_hex(16)
            return 201, {"sid": sid, "account_sid": parts[3], "to": to, "from": fields.get("From"),
                         "status": "queued", "direction": "outbound-api",
                         "uri": f"/2010-04-01/Accounts/{parts[3]}/Calls/{sid}.json"}

        def update(self, account: str, call_sid: str, fields: dict[str, str]) -> tuple[int, Any]:
            """Redirect a live call (`Twiml` or `Url`), as a transfer does. --refuse-updates
            answers 400 with error 21220 ("Call is not in-progress. Cannot redirect.")."""
            expected = "Basic " + base64.b64encode(f"{mock.user}:{mock.password}".encode()).decode()
            if self.headers.get("Authorization") != expected:
                return 401, error(20003, "Authenticate", 401)
            if mock.refuse_updates:
                return 400, error(21220, "Call is not in-progress. Cannot redirect.", 400)
            if "Twiml" not in fields and "Url" not in fields:
                return 400, error(21205, "Url or Twiml parameter is required", 400)
            return 200, {"sid": call_sid, "account_sid": account, "status": "in-progress",
                         "uri": f"/2010-04-01/Accounts/{account}/Calls/{call_sid}.json"}

        def reply(self, status: int, body: Any) -> None:
            data = (json.dumps(body) if not isinstance(body, str) else body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json" if not isinstance(body, str)
                             else "text/html")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


def error(code: int, message: str, status: int) -> dict[str, Any]:
    return {"code": code, "message": message, "more_info": MORE.format(code), "status": status}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--user", required=True, help="expected Basic user (Account SID or API key SID)")
    parser.add_argument("--password", required=True, help="expected Basic password")
    parser.add_argument("--record", type=Path)
    parser.add_argument("--refuse-updates", action="store_true",
                        help="answer every update of a live call with error 21220 (the call is gone)")
    args = parser.parse_args()
    mock = MockTwilioAPI(args.user, args.password, args.record)
    mock.refuse_updates = args.refuse_updates
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(mock))
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"listening port={server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
