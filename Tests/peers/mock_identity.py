#!/usr/bin/env python3
"""A mock of Azure's managed-identity token endpoints, for AZURE_OPENAI_AUTH=managed-identity.

- Instance metadata (IMDS): `GET /metadata/identity/oauth2/token?api-version=2018-02-01&resource=R
  [&client_id=C]` with header `Metadata: true` (without it IMDS answers 400).
- App Service (`--app-service SECRET`): `GET /msi/token?api-version=2019-08-01&resource=R` with
  header `X-IDENTITY-HEADER: SECRET` (else 401); answers `expires_on` (epoch seconds) only.

Each token is `mock-token-N` (N counts from 1), valid `--lifetime` seconds (default 3599).
`--status STATUS --body TEXT` answers every request with that error instead.
--record FILE writes one JSON line per request: {"path","query":{…},"headers":{lower: value}}.
Prints `listening port=N` on stdout when ready.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit


def make_handler(args: argparse.Namespace) -> type[BaseHTTPRequestHandler]:
    counter = itertools.count(1)
    record = open(args.record, "a", encoding="utf-8") if args.record else None

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *a: object) -> None:  # quiet
            pass

        def answer(self, status: int, body: dict[str, object] | str) -> None:
            data = (body if isinstance(body, str) else json.dumps(body)).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802
            split = urlsplit(self.path)
            query = dict(parse_qsl(split.query))
            headers = {k.lower(): v for k, v in self.headers.items()}
            if record:
                record.write(json.dumps({"path": split.path, "query": query, "headers": headers})
                             + "\n")
                record.flush()
            if args.status:
                return self.answer(args.status, args.body)
            if args.app_service:
                if headers.get("x-identity-header") != args.app_service:
                    return self.answer(401, {"error": "missing or wrong X-IDENTITY-HEADER"})
                n = next(counter)
                return self.answer(200, {"access_token": f"mock-token-{n}",
                                         "expires_on": str(int(time.time()) + args.lifetime),
                                         "resource": query.get("resource"),
                                         "token_type": "Bearer"})
            if headers.get("metadata") != "true":
                return self.answer(400, {"error": "invalid_request",
                                         "error_description": "Required metadata header not specified"})
            if "resource" not in query:
                return self.answer(400, {"error": "invalid_resource"})
            n = next(counter)
            now = int(time.time())
            return self.answer(200, {"access_token": f"mock-token-{n}", "refresh_token": "",
                                     "expires_in": str(args.lifetime),
                                     "expires_on": str(now + args.lifetime),
                                     "not_before": str(now), "resource": query["resource"],
                                     "token_type": "Bearer"})

    return Handler


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--lifetime", type=int, default=3599, metavar="SECONDS")
    p.add_argument("--app-service", metavar="SECRET")
    p.add_argument("--status", type=int)
    p.add_argument("--body", default="")
    p.add_argument("--record", type=Path)
    args = p.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(args))
    print(f"listening port={server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    try:
        main()
    except OSError as exc:
        print(f"mock_identity: {exc}", file=sys.stderr)
        sys.exit(1)
