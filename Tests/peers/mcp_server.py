#!/usr/bin/env python3
"""An MCP server over Streamable HTTP, built with the official Python SDK (`mcp`, whose
`MCPServer` is v1's `FastMCP`), served by uvicorn on loopback at `/mcp`.

Tools:
  lookup_order(order_id)  answers at once: "Order <id>: shipped, arriving in 2 days."
  slow_report()           sleeps 2 s, then answers "Report ready: 17 calls today."
  failing_tool()          raises ToolError: the SDK answers with `isError: true`

Options:
  --json-response          answer POSTs with one application/json body (default: an SSE stream)
  --session-idle-timeout S the SDK ends a session idle for S seconds; its id then answers 404
  --require-header N:V     refuse (401) requests without header N equal to V
  --record FILE            JSON lines, one per HTTP request: {"t", "method" (JSON-RPC), "id",
                           "session" (Mcp-Session-Id or null), "protocol_version", "status",
                           "content_type", "authorization"}

Prints `listening port=N` on stdout when ready.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import sys
import time
from pathlib import Path
from typing import Any

import uvicorn
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError


def make_server() -> MCPServer:
    server = MCPServer("orders")

    @server.tool()
    def lookup_order(order_id: str) -> str:
        """Look up an order by its id and say where it is."""
        return f"Order {order_id}: shipped, arriving in 2 days."

    @server.tool()
    async def slow_report() -> str:
        """Build today's call report (takes a moment)."""
        await asyncio.sleep(2)
        return "Report ready: 17 calls today."

    @server.tool()
    def failing_tool() -> str:
        """A tool that always fails."""
        raise ToolError("the order database is offline")

    return server


class Recorder:
    """ASGI middleware: one JSON line per request, with the JSON-RPC method and the answer's status."""

    def __init__(self, app: Any, path: Path | None, required: tuple[str, str] | None) -> None:
        self.app = app
        self.path = path
        self.required = required

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        record: dict[str, Any] = {"t": time.monotonic(), "http_method": scope["method"],
                                  "session": headers.get("mcp-session-id"),
                                  "protocol_version": headers.get("mcp-protocol-version"),
                                  "accept": headers.get("accept"),
                                  "authorization": headers.get("authorization")}
        try:
            rpc = json.loads(body) if body else {}
            record["method"] = rpc.get("method")
            record["id"] = rpc.get("id")
            record["params"] = rpc.get("params")
        except (ValueError, AttributeError):
            record["method"] = None

        if self.required and headers.get(self.required[0].lower()) != self.required[1]:
            record["status"] = 401
            self.write(record)
            await send({"type": "http.response.start", "status": 401,
                        "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": b'{"error":"unauthorized"}'})
            return

        async def watch(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                record["status"] = message["status"]
                for k, v in message.get("headers", []):
                    if k.decode().lower() == "content-type":
                        record["content_type"] = v.decode()
                self.write(record)
            await send(message)

        await self.app(scope, replay, watch)

    def write(self, record: dict[str, Any]) -> None:
        if self.path:
            with open(self.path, "a") as f:
                f.write(json.dumps(record) + "\n")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--record", type=Path)
    p.add_argument("--json-response", action="store_true")
    p.add_argument("--session-idle-timeout", type=float, default=None)
    p.add_argument("--require-header", default=None)
    a = p.parse_args()

    server = make_server()
    options: dict[str, Any] = {"json_response": a.json_response}
    if a.session_idle_timeout is not None:
        options["session_idle_timeout"] = a.session_idle_timeout
    app = server.streamable_http_app(**options)
    required = tuple(a.require_header.split(":", 1)) if a.require_header else None
    wrapped = Recorder(app, a.record, required)  # type: ignore[arg-type]

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", a.port))
    config = uvicorn.Config(wrapped, log_level="warning", lifespan="on")
    print(f"listening port={sock.getsockname()[1]}", flush=True)
    uvicorn.Server(config).run(sockets=[sock])


if __name__ == "__main__":
    sys.exit(main())
