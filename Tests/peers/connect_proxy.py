#!/usr/bin/env python3
"""A small HTTP CONNECT proxy (RFC 9110 §9.3.6) on asyncio, for the bridge's HTTPS_PROXY tests.

For each `CONNECT host:port HTTP/1.1` it opens TCP to host:port, answers
`HTTP/1.1 200 Connection established`, and copies bytes both ways untouched (TLS stays end to
end between the bridge and the provider). Anything else gets 405.

--require-auth USER:PASS answers 407 unless `Proxy-Authorization: Basic base64(USER:PASS)`.
--refuse STATUS answers every CONNECT with that status.
--record FILE writes one JSON line per request:
  {"kind":"connect","target":"localhost:4433","auth":"Basic …"|null,"status":200}

Prints `listening port=N` on stdout when ready.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import signal
import sys
from pathlib import Path

REASONS = {200: "Connection established", 403: "Forbidden", 405: "Method Not Allowed",
           407: "Proxy Authentication Required", 502: "Bad Gateway"}


class Proxy:
    def __init__(self, require_auth: str | None, refuse: int | None, record: Path | None) -> None:
        self.expected = ("Basic " + base64.b64encode(require_auth.encode()).decode()
                         if require_auth else None)
        self.refuse = refuse
        self.record = open(record, "a", encoding="utf-8") if record else None

    def log(self, entry: dict[str, object]) -> None:
        if self.record:
            self.record.write(json.dumps(entry) + "\n")
            self.record.flush()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            writer.close()
            return
        lines = head.decode("latin-1").split("\r\n")
        method, target, *_ = lines[0].split(" ") + ["", ""]
        headers = {k.strip().lower(): v.strip() for k, _, v in
                   (line.partition(":") for line in lines[1:] if line)}
        auth = headers.get("proxy-authorization")
        status = 200
        if method != "CONNECT":
            status = 405
        elif self.refuse:
            status = self.refuse
        elif self.expected and auth != self.expected:
            status = 407
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        if status == 200:
            host, _, port = target.rpartition(":")
            try:
                upstream = await asyncio.open_connection(host.strip("[]"), int(port))
            except (OSError, ValueError):
                status = 502
        self.log({"kind": "connect", "method": method, "target": target, "auth": auth,
                  "status": status})
        extra = "Proxy-Authenticate: Basic realm=\"test\"\r\n" if status == 407 else ""
        writer.write(f"HTTP/1.1 {status} {REASONS.get(status, 'Refused')}\r\n{extra}"
                     f"Content-Length: 0\r\n\r\n".encode() if status != 200 else
                     b"HTTP/1.1 200 Connection established\r\n\r\n")
        await writer.drain()
        if upstream is None:
            writer.close()
            return
        up_reader, up_writer = upstream

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, asyncio.CancelledError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer),
                             return_exceptions=True)


async def amain(args: argparse.Namespace) -> None:
    proxy = Proxy(args.require_auth, args.refuse, args.record)
    server = await asyncio.start_server(proxy.handle, "127.0.0.1", args.port)
    print(f"listening port={server.sockets[0].getsockname()[1]}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.close()


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--require-auth", metavar="USER:PASS")
    p.add_argument("--refuse", type=int, metavar="STATUS")
    p.add_argument("--record", type=Path)
    try:
        asyncio.run(amain(p.parse_args()))
    except OSError as exc:
        print(f"connect_proxy: {exc}", file=sys.stderr)
        sys.exit(1)
